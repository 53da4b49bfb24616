"""reconcile(project, observed, options) as plan text: one intent per test."""

from __future__ import annotations

import pytest

from compose.errors import ConsistencyError
from compose.options import RECREATE_FORCE, RECREATE_NEVER, ReconcileOptions
from compose.observe import observe
from compose.reconcile import reconcile
from tests.support.fake_runtime import FakeRuntime
from tests.support.orchestration import deploy, deploy_all, observed, stack

WEB_DB = """
services:
  web:
    image: nginx
    depends_on: [db]
  db:
    image: postgres
"""


def plan_text(project, rt, **options) -> str:
    return reconcile(project, observed(rt, project.name), ReconcileOptions(**options)).text()


def test_first_up_creates_the_default_network_then_dependencies_before_dependents():
    assert plan_text(stack(WEB_DB), FakeRuntime()) == (
        "create network p_default\n"
        "create container p-db-1\n"
        "create container p-web-1\n"
    )


def test_named_volumes_are_created_with_the_project_prefix():
    project = stack("services: {a: {image: x, volumes: ['data:/d']}}\nvolumes: {data: {}}")
    assert "create volume p_data\n" in plan_text(project, FakeRuntime())


def test_an_up_to_date_running_stack_changes_nothing():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    plan = reconcile(project, observed(rt), ReconcileOptions())
    assert plan.empty
    assert plan.text() == "keep container p-db-1 (running)\nkeep container p-web-1 (running)\n"


def test_a_changed_config_hash_recreates_only_that_service():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    rt.relabel("p-web-1", "com.docker.compose.config-hash", "old")
    assert "recreate container p-web-1 (config changed)" in plan_text(project, rt)
    assert "keep container p-db-1 (running)" in plan_text(project, rt)


def test_no_recreate_keeps_a_diverged_container():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    rt.relabel("p-web-1", "com.docker.compose.config-hash", "old")
    assert "keep container p-web-1 (running)" in plan_text(project, rt, recreate=RECREATE_NEVER)


def test_force_recreate_recreates_unchanged_containers():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    text = plan_text(project, rt, recreate=RECREATE_FORCE, recreate_deps=RECREATE_FORCE)
    assert text == "recreate container p-db-1 (forced)\nrecreate container p-web-1 (forced)\n"


def test_dependencies_of_named_services_follow_the_deps_policy():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    text = plan_text(project, rt, services=("web",), recreate=RECREATE_FORCE)
    assert "keep container p-db-1 (running)" in text
    assert "recreate container p-web-1 (forced)" in text


def test_always_recreate_deps_recreates_dependencies_of_named_services():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    text = plan_text(project, rt, services=("web",), recreate_deps=RECREATE_FORCE)
    assert "recreate container p-db-1 (forced)" in text


def test_a_stopped_up_to_date_container_is_started_not_recreated():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    rt.set_state("p-db-1", "exited", 0)
    assert "start container p-db-1\n" in plan_text(project, rt)


def test_no_start_leaves_a_stopped_container_stopped():
    project, rt = stack(WEB_DB), FakeRuntime()
    deploy_all(rt, project)
    rt.set_state("p-db-1", "exited", 0)
    assert "keep container p-db-1 (exited)" in plan_text(project, rt, no_start=True)


def test_scale_up_adds_the_next_numbers():
    project, rt = stack("services: {w: {image: x}}"), FakeRuntime()
    deploy_all(rt, project)
    assert plan_text(project, rt, scale=(("w", 3),)) == (
        "keep container p-w-1 (running)\ncreate container p-w-2\ncreate container p-w-3\n"
    )


def test_scale_down_stops_and_removes_the_highest_numbers_first():
    project, rt = stack("services: {w: {image: x, deploy: {replicas: 3}}}"), FakeRuntime()
    deploy_all(rt, project)
    assert plan_text(project, rt, scale=(("w", 1),)) == (
        "stop container p-w-3 (scale down)\nremove container p-w-3 (scale down)\n"
        "stop container p-w-2 (scale down)\nremove container p-w-2 (scale down)\n"
        "keep container p-w-1 (running)\n"
    )


def test_deploy_replicas_sets_how_many_containers_are_created():
    project = stack("services: {w: {image: x, deploy: {replicas: 2}}}")
    assert plan_text(project, FakeRuntime()).count("create container p-w-") == 2


def test_orphans_are_reported_as_a_warning_by_default():
    rt = FakeRuntime()
    deploy(rt, stack("services: {old: {image: x}}"), "old")
    plan = reconcile(stack("services: {w: {image: x}}"), observed(rt), ReconcileOptions())
    assert "p-old-1" not in plan.text()
    assert plan.warnings and "Found orphan containers ([p-old-1])" in plan.warnings[0]


def test_remove_orphans_stops_and_removes_them():
    rt = FakeRuntime()
    deploy(rt, stack("services: {old: {image: x}}"), "old")
    text = plan_text(stack("services: {w: {image: x}}"), rt, remove_orphans=True)
    assert text.endswith("stop container p-old-1 (orphan)\nremove container p-old-1 (orphan)\n")


def test_services_of_inactive_profiles_are_not_orphans():
    rt = FakeRuntime()
    deploy(rt, stack("services: {debug: {image: x}}"), "debug")
    plan = reconcile(stack("services: {w: {image: x}}"), observed(rt), ReconcileOptions(known_services=("debug",)))
    assert plan.warnings == ()


def test_restart_true_restarts_a_running_dependent_when_its_dependency_is_recreated():
    project = stack("""
services:
  web: {image: x, depends_on: {db: {condition: service_started, restart: true}}}
  db: {image: y}
""")
    rt = FakeRuntime()
    deploy_all(rt, project)
    rt.relabel("p-db-1", "com.docker.compose.config-hash", "old")
    assert plan_text(project, rt) == (
        "recreate container p-db-1 (config changed)\nrestart container p-web-1 (dependency db recreated)\n"
    )


def test_a_missing_external_network_is_an_error_naming_it():
    project = stack("services: {w: {image: x, networks: [ext]}}\nnetworks: {ext: {external: true, name: shared}}")
    with pytest.raises(ConsistencyError, match="network shared declared as external, but could not be found"):
        plan_text(project, FakeRuntime())


def test_an_existing_network_is_not_created_again():
    project, rt = stack("services: {w: {image: x}}"), FakeRuntime()
    deploy_all(rt, project)
    rt.set_state("p-w-1", "running")
    assert "network" not in plan_text(project, rt)


def test_a_container_whose_image_changed_is_recreated():
    project, rt = stack("services: {w: {image: x}}"), FakeRuntime()
    rt.images.add("x", "sha256:" + "a" * 64)
    deploy_all(rt, project)
    rt.images.add("x", "sha256:" + "b" * 64)
    plan = reconcile(project, observe(rt, "p", images=["x"]), ReconcileOptions())
    assert plan.text() == "recreate container p-w-1 (image changed)\n"


def test_a_service_sharing_a_recreated_services_network_is_recreated_too():
    project = stack("services: {app: {image: x, network_mode: 'service:vpn'}, vpn: {image: y}}")
    rt = FakeRuntime()
    deploy_all(rt, project)
    rt.relabel("p-vpn-1", "com.docker.compose.config-hash", "old")
    assert plan_text(project, rt) == (
        "recreate container p-vpn-1 (config changed)\n"
        "recreate container p-app-1 (joins the namespaces of recreated vpn)\n"
    )


def test_container_name_with_several_replicas_is_an_error():
    project = stack("services: {w: {image: x, container_name: fixed}}")
    with pytest.raises(ConsistencyError, match="container names must be unique"):
        plan_text(project, FakeRuntime(), scale=(("w", 2),))
