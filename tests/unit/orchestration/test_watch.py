"""`dockyard events`: what changed between two looks at the project's containers."""

from __future__ import annotations

from dataclasses import replace

from compose.watch import diff, text
from runtime import ContainerInfo, HealthInfo

WHEN = "2026-01-01T00:00:00.000000000Z"


def box(state: str, **kw) -> ContainerInfo:
    return ContainerInfo(id="c1", name="p-web-1", image="nginx", image_id="", command=(), state=state,
                         labels=(("com.docker.compose.service", "web"),), created=WHEN, **kw)


def actions(before, after) -> list[str]:
    return [e["action"] for e in diff(before, after, WHEN)]


def test_a_new_running_container_is_created_then_started():
    assert actions({}, {"c1": box("running")}) == ["create", "start"]


def test_an_exit_is_a_die_with_the_exit_code():
    events = diff({"c1": box("running")}, {"c1": box("exited", exit_code=3)}, WHEN)
    assert [(e["action"], e["attributes"].get("exitCode")) for e in events] == [("die", "3")]


def test_health_changes_and_restarts():
    running = box("running", health=HealthInfo("starting"))
    assert actions({"c1": running}, {"c1": replace(running, health=HealthInfo("healthy"))}) == ["health_status: healthy"]
    assert actions({"c1": running}, {"c1": replace(running, restart_count=1)}) == ["restart"]


def test_pause_unpause_and_destroy():
    assert actions({"c1": box("running")}, {"c1": box("paused")}) == ["pause"]
    assert actions({"c1": box("paused")}, {"c1": box("running")}) == ["unpause"]
    assert actions({"c1": box("exited")}, {}) == ["destroy"]


def test_plain_text_line_reads_like_dockers():
    event = diff({}, {"c1": box("created")}, WHEN)[0]
    assert text(event) == f"{WHEN} container create c1 (image=nginx, name=p-web-1)"
