"""state.Shared: threads asking for the same call at the same time share one run of it, and each
caller's run starts after it asked."""

from __future__ import annotations

import threading

import pytest

from runtime.state import Shared
from tests.support.eventually import eventually


def test_a_lone_caller_runs_the_call_and_gets_its_result():
    shared = Shared()
    assert shared.run("g", lambda: 7) == 7
    assert shared.run("g", lambda: 8) == 8  # asked after the first run: runs again


def test_callers_waiting_while_a_run_is_under_way_share_the_next_run():
    shared = Shared()
    first_started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow() -> str:
        runs.append("first")
        first_started.set()
        release.wait(5)
        return "first"

    def quick() -> str:
        runs.append("shared")
        return "shared"

    results: dict[int, str] = {}
    leader = threading.Thread(target=lambda: results.__setitem__(0, shared.run("g", slow)))
    leader.start()
    assert first_started.wait(5)
    waiters = [threading.Thread(target=lambda i=i: results.__setitem__(i, shared.run("g", quick))) for i in (1, 2, 3)]
    for t in waiters:
        t.start()
    eventually(lambda: shared._groups["g"].asked == 4)  # every waiter has asked while the first run is held
    release.set()
    for t in [leader, *waiters]:
        t.join(5)
    assert runs == ["first", "shared"]  # the three that asked during the first run share one run after it
    assert results == {0: "first", 1: "shared", 2: "shared", 3: "shared"}


def test_keys_do_not_share():
    shared = Shared()
    assert shared.run("a", lambda: "a") == "a"
    assert shared.run("b", lambda: "b") == "b"


def test_a_failed_run_covers_nobody():
    shared = Shared()

    def boom() -> None:
        raise OSError("no")

    with pytest.raises(OSError):
        shared.run("g", boom)
    assert shared.run("g", lambda: "again") == "again"
