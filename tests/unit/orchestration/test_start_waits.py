"""`dockyard start` brings stopped containers back in dependency order and, like `up`, waits for each service's
depends_on conditions (read from its containers' labels: no compose file needed) before starting it."""

from __future__ import annotations

import pytest

from compose import lifecycle
from compose.events import Event
from compose.execute import DependencyError, Executor
from tests.support.fake_runtime import FakeRuntime
from tests.unit.orchestration.test_execute import CHAIN, Clock, healthy_chain, run_up, starts
from tests.support.orchestration import stack


def stopped_chain() -> FakeRuntime:
    rt = FakeRuntime()
    healthy_chain(rt)
    run_up(stack(CHAIN), rt)
    lifecycle.stop(rt, "p")
    rt.calls.clear()
    return rt


def start(rt: FakeRuntime, events: list, **kwargs) -> int:
    clock = Clock()
    executor = Executor(rt, events.append, sleep=clock.sleep, clock=clock)
    return lifecycle.start(rt, "p", emit=events.append, executor=executor, **kwargs)


def test_start_starts_dependencies_first_and_waits_for_their_conditions():
    rt = stopped_chain()
    events: list[Event] = []
    assert start(rt, events) == 4
    assert starts(rt) == ["p-db-1", "p-migrate-1", "p-api-1", "p-web-1"]
    seen = [(e.name, e.status) for e in events]
    assert seen.index(("p-api-1", "Healthy")) < seen.index(("p-web-1", "Starting"))
    assert seen.index(("p-migrate-1", "Exited")) < seen.index(("p-api-1", "Starting"))


def test_a_dependency_that_turns_unhealthy_stops_start_before_its_dependents():
    rt = stopped_chain()
    rt.behave("api", health=("starting", "unhealthy"), health_output="no db")
    with pytest.raises(DependencyError, match="^dependency api is unhealthy: no db$"):
        start(rt, [])
    assert "start p-web-1" not in rt.calls


def test_the_wait_timeout_bounds_each_dependency_wait():
    rt = stopped_chain()
    rt.behave("db", health=("starting",))
    with pytest.raises(DependencyError, match="dependency db did not reach service_healthy within 3s"):
        start(rt, [], wait_timeout=3)


def test_starting_one_service_waits_for_its_running_dependency_without_restarting_it():
    rt = stopped_chain()
    start(rt, [], services=("db",))
    rt.calls.clear()
    start(rt, [], services=("migrate",))
    assert starts(rt) == ["p-migrate-1"]


def test_depends_on_labels_become_conditions():
    info = type("Info", (), {"label_dict": lambda self: {"com.docker.compose.depends_on":
                                                          "db:service_healthy:true,cache:service_started:false"}})()
    assert [(d.service, d.condition, d.restart) for d in lifecycle.label_depends_on(info)] == [
        ("db", "service_healthy", True), ("cache", "service_started", False)]
