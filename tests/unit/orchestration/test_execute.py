"""execute against the in-memory fake runtime: order, dependency conditions, failures, parallel limit."""

from __future__ import annotations

import threading

import pytest

from compose.events import Event
from compose.execute import DependencyError, ExecuteOptions, Executor
from compose.observe import observe
from compose.options import DownPlanOptions, ReconcileOptions
from compose.reconcile import down_order, label_dependencies, reconcile, reconcile_down
from tests.support.fake_runtime import FakeRuntime
from tests.support.orchestration import deploy, deploy_all, stack

CHAIN = """
services:
  web:
    image: nginx
    depends_on:
      api: {condition: service_healthy}
  api:
    image: app
    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 1s, retries: 2}
    depends_on:
      migrate: {condition: service_completed_successfully}
      db: {condition: service_healthy}
  migrate:
    image: app
    depends_on: [db]
  db:
    image: postgres
    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 1s, retries: 2}
"""


class Clock:
    """A manual clock: sleep advances it, so timeouts are reached without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def run_up(project, rt, events=None, **options):
    clock = Clock()
    executor = Executor(rt, (events.append if events is not None else lambda e: None), sleep=clock.sleep, clock=clock)
    plan = reconcile(project, observe(rt, project.name), ReconcileOptions())
    executor.up(plan, project, ExecuteOptions(**options))
    return executor


def healthy_chain(rt: FakeRuntime) -> None:
    rt.behave("db", health=("starting", "healthy"))
    rt.behave("api", health=("starting", "starting", "healthy"))
    rt.behave("migrate", exit_code=0, exit_after=1)


def starts(rt: FakeRuntime) -> list[str]:
    return [c.split()[1] for c in rt.calls if c.startswith("start ")]


def test_up_starts_each_service_after_its_dependencies_reached_their_condition():
    rt = FakeRuntime()
    healthy_chain(rt)
    run_up(stack(CHAIN), rt)
    assert starts(rt) == ["p-db-1", "p-migrate-1", "p-api-1", "p-web-1"]
    assert rt.state_of("p-web-1") == "running"
    assert rt.state_of("p-migrate-1") == "exited"


def test_up_creates_networks_before_containers():
    rt = FakeRuntime()
    run_up(stack("services: {a: {image: x}}"), rt)
    assert rt.calls[:2] == ["create network p_default", "create p-a-1"]


def test_an_unhealthy_dependency_fails_up_with_its_last_probe_output():
    rt = FakeRuntime()
    rt.behave("migrate", exit_code=0)
    rt.behave("db", health=("starting", "unhealthy"), health_output="connection refused")
    with pytest.raises(DependencyError, match="^dependency db is unhealthy: connection refused$"):
        run_up(stack(CHAIN), rt)
    assert "start p-web-1" not in rt.calls


def test_a_one_shot_dependency_that_fails_fails_up_with_its_exit_code():
    rt = FakeRuntime()
    healthy_chain(rt)
    rt.behave("migrate", exit_code=1)
    with pytest.raises(DependencyError, match="^dependency migrate exited with code 1$"):
        run_up(stack(CHAIN), rt)
    assert "start p-api-1" not in rt.calls


def test_a_dependency_that_never_becomes_healthy_times_out_instead_of_waiting_forever():
    rt = FakeRuntime()
    rt.behave("migrate", exit_code=0)
    rt.behave("db", health=("starting",))
    with pytest.raises(DependencyError, match="dependency db did not reach service_healthy within"):
        run_up(stack(CHAIN), rt)


def test_wait_timeout_bounds_dependency_waits():
    rt = FakeRuntime()
    rt.behave("db", health=("starting",))
    with pytest.raises(DependencyError, match="within 3s"):
        run_up(stack(CHAIN), rt, wait_timeout=3)


def test_service_healthy_on_a_dependency_without_healthcheck_fails_clearly():
    rt = FakeRuntime()
    project = stack("services: {a: {image: x, depends_on: {b: {condition: service_healthy}}}, b: {image: y}}")
    with pytest.raises(DependencyError, match="dependency b has no healthcheck configured"):
        run_up(project, rt)


def test_a_failing_optional_dependency_is_a_warning_not_a_failure():
    rt = FakeRuntime()
    rt.behave("b", exit_code=3)
    project = stack("""
services:
  a: {image: x, depends_on: {b: {condition: service_completed_successfully, required: false}}}
  b: {image: y}
""")
    events: list[Event] = []
    run_up(project, rt, events)
    assert rt.state_of("p-a-1") == "running"
    assert any(e.status == "Warning" and "dependency b exited with code 3" in e.detail for e in events)


def test_events_describe_each_step_in_docker_compose_words():
    rt = FakeRuntime()
    events: list[Event] = []
    run_up(stack("services: {a: {image: x}}"), rt, events)
    assert [e.text() for e in events] == [
        "Network p_default  Creating", "Network p_default  Created",
        "Container p-a-1  Creating", "Container p-a-1  Created",
        "Container p-a-1  Starting", "Container p-a-1  Started",
    ]


def test_no_start_creates_without_starting():
    rt = FakeRuntime()
    run_up(stack("services: {a: {image: x}}"), rt, start=False)
    assert rt.state_of("p-a-1") == "created"


def test_recreate_replaces_the_old_container_under_the_same_name():
    project, rt = stack("services: {a: {image: x}}"), FakeRuntime()
    deploy_all(rt, project)
    rt.relabel("p-a-1", "com.docker.compose.config-hash", "old")
    run_up(project, rt)
    assert rt.calls == ["stop p-a-1", "remove p-a-1", "create p-a-1", "start p-a-1"]
    assert rt.names() == ["p-a-1"]


def test_a_start_failure_is_reported_naming_the_container():
    from runtime import ContainerError

    rt = FakeRuntime()
    rt.behave("a", start_error=ContainerError("exec /bin/nope: ENOENT"))
    with pytest.raises(Exception, match="starting container p-a-1: exec /bin/nope: ENOENT"):
        run_up(stack("services: {a: {image: x}}"), rt)


def test_parallel_limit_bounds_concurrent_service_work():
    rt = FakeRuntime()
    active, peak, lock = [0], [0], threading.Lock()
    create = rt.create_container

    def tracking(spec):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            threading.Event().wait(0.01)
            return create(spec)
        finally:
            with lock:
                active[0] -= 1

    rt.create_container = tracking  # type: ignore[method-assign]
    project = stack("services: {" + ", ".join(f"s{i}: {{image: x}}" for i in range(6)) + "}")
    run_up(project, rt, parallel=1)
    assert peak[0] == 1 and len(rt.names()) == 6


def test_wait_ready_accepts_one_shots_that_exited_zero():
    rt = FakeRuntime()
    healthy_chain(rt)
    project = stack(CHAIN)
    executor = run_up(project, rt)
    executor.wait_ready(project, list(project.services), timeout=30)


def test_wait_ready_fails_on_an_unhealthy_service():
    rt = FakeRuntime()
    rt.behave("a", health=("unhealthy",), health_output="boom")
    project = stack("services: {a: {image: x, healthcheck: {test: [CMD, 'false']}}}")
    executor = run_up(project, rt)
    with pytest.raises(DependencyError, match="service a is unhealthy: boom"):
        executor.wait_ready(project, ["a"], timeout=30)


def test_down_stops_dependents_before_their_dependencies_and_removes_everything():
    rt = FakeRuntime()
    project = stack("services: {web: {image: x, depends_on: [db]}, db: {image: y}}\nvolumes: {data: {}}")
    deploy_all(rt, project)
    observed = observe(rt, "p")
    plan = reconcile_down(None, observed, DownPlanOptions(volumes=True))
    Executor(rt).down(plan, label_dependencies(observed))
    assert rt.calls == ["stop p-web-1", "remove p-web-1 -v", "stop p-db-1", "remove p-db-1 -v",
                        "remove network p_default", "remove volume p_data"]
    assert down_order(observed) == ["web", "db"]


def test_service_started_is_satisfied_by_a_dependency_that_already_exited():
    rt = FakeRuntime()
    rt.behave("b", exit_code=0)
    run_up(stack("services: {a: {image: x, depends_on: [b]}, b: {image: y}}"), rt)
    assert rt.state_of("p-a-1") == "running"


def test_healthy_dependency_that_exits_fails_naming_the_code():
    rt = FakeRuntime()
    rt.behave("b", exit_code=137)
    project = stack("""
services:
  a: {image: x, depends_on: {b: {condition: service_healthy}}}
  b: {image: y, healthcheck: {test: [CMD, 'true']}}
""")
    with pytest.raises(DependencyError, match="^dependency b exited with code 137$"):
        run_up(project, rt)


def test_wait_ready_says_what_each_service_reached():
    rt = FakeRuntime()
    healthy_chain(rt)
    project = stack(CHAIN)
    events: list[Event] = []
    executor = run_up(project, rt)
    executor.emit = events.append
    executor.wait_ready(project, ["db", "migrate", "web"], timeout=30)
    assert [e.text() for e in events] == ["Service db  Healthy", "Service migrate  Completed", "Service web  Running"]


def test_wait_ready_explains_what_it_is_still_waiting_for_when_it_times_out():
    rt = FakeRuntime()
    rt.behave("a", health=("starting",))
    project = stack("services: {a: {image: x, healthcheck: {test: [CMD, 'true']}}}")
    events: list[Event] = []
    executor = run_up(project, rt)
    executor.emit = events.append
    with pytest.raises(DependencyError, match=r"timed out after 5s waiting for a: p-a-1 to be healthy \(now starting\)"):
        executor.wait_ready(project, ["a"], timeout=5)
    assert "Service a  Waiting: for p-a-1 to be healthy (now starting)" in [e.text() for e in events]


DB_AND_WEB = """
services:
  web: {image: x, depends_on: {db: {condition: service_healthy}}}
  db: {image: y, healthcheck: {test: [CMD, 'true'], interval: 1s, timeout: 1s, retries: 2}}
"""


def test_a_dependent_is_created_while_its_dependency_becomes_healthy_and_started_after():
    """As docker compose: containers are created up front; only starts wait for depends_on conditions."""
    rt = FakeRuntime()
    rt.behave("db", health=("starting",))
    created, create = threading.Event(), rt.create_container

    def tracking(spec):
        info = create(spec)
        if spec.name == "p-web-1":
            created.set()
        return info

    clock = Clock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if not created.wait(timeout=10):
            raise AssertionError("web was not created while db was still starting")
        rt.behave("db", health=("healthy",))

    rt.create_container = tracking  # type: ignore[method-assign]
    project = stack(DB_AND_WEB)
    Executor(rt, sleep=sleep, clock=clock).up(reconcile(project, observe(rt, "p"), ReconcileOptions()), project)
    assert starts(rt) == ["p-db-1", "p-web-1"]
    assert rt.state_of("p-web-1") == "running"


def test_with_a_parallel_limit_nothing_is_created_ahead_of_its_dependencies():
    rt = FakeRuntime()
    rt.behave("db", health=("starting",))
    with pytest.raises(DependencyError, match="dependency db did not reach service_healthy"):
        run_up(stack(DB_AND_WEB), rt, parallel=4)
    assert "create p-web-1" not in rt.calls


def test_a_failed_create_ahead_fails_up_naming_the_container_and_starts_nothing_after_it():
    from runtime import ContainerError

    rt = FakeRuntime()
    rt.behave("db", health=("healthy",))
    create = rt.create_container

    def failing(spec):
        if spec.name == "p-web-1":
            raise ContainerError("create container p-web-1: no space left on device")
        return create(spec)

    rt.create_container = failing  # type: ignore[method-assign]
    with pytest.raises(Exception, match="creating container p-web-1: .*no space left on device"):
        run_up(stack(DB_AND_WEB), rt)
    assert "start p-web-1" not in rt.calls


def test_when_up_recreates_a_container_nothing_is_created_ahead():
    rt = FakeRuntime()
    rt.behave("db", health=("starting",))
    project = stack(DB_AND_WEB)
    deploy(rt, project, "db", config_hash="from an older compose file")
    rt.calls.clear()
    with pytest.raises(DependencyError, match="dependency db did not reach service_healthy"):
        run_up(project, rt)
    assert ["stop p-db-1", "remove p-db-1", "create p-db-1"] == [c for c in rt.calls if "p-db-1" in c][:3]
    assert "create p-web-1" not in rt.calls


class WarningRuntime(FakeRuntime):
    """A host that cannot apply a blkio weight: create says so, as the real runtime's ``ContainerInfo.warnings``."""

    def create_container(self, spec):
        import dataclasses

        info = super().create_container(spec)
        return dataclasses.replace(info, warnings=("blkio_config: no weight",)) if spec.resources.blkio else info


def test_create_warnings_are_shown_as_warning_events_of_that_container():
    project = stack("services: {db: {image: x, blkio_config: {weight: 300}}, web: {image: y}}")
    events: list[Event] = []
    run_up(project, WarningRuntime(), events)
    warned = [(e.name, e.status, e.detail) for e in events if e.status == "Warning"]
    assert warned == [("p-db-1", "Warning", "blkio_config: no weight")]
    db = [e.status for e in events if e.name == "p-db-1"]
    assert db[db.index("Created") + 1] == "Warning"  # right after its create, as docker compose shows it
