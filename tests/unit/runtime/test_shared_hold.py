"""state.SharedHold: threads that want a little work done under the same lock at the same time share one hold
of it; each caller gets its own work's error, and an error taking the lock goes to every caller of the batch."""

from __future__ import annotations

import contextlib
import threading

import pytest

from runtime.state import SharedHold
from tests.support.eventually import eventually


def test_work_asked_while_the_lock_is_held_runs_in_one_later_hold():
    shared = SharedHold()
    holds: list[str] = []
    first_in, release = threading.Event(), threading.Event()

    @contextlib.contextmanager
    def hold():
        holds.append("taken")
        yield

    done: list[int] = []

    def slow(_held: object) -> None:
        first_in.set()
        release.wait(5)
        done.append(0)

    threads = [threading.Thread(target=shared.run, args=("k", hold, slow))]
    threads[0].start()
    assert first_in.wait(5)
    for i in (1, 2, 3):
        threads.append(threading.Thread(target=shared.run, args=("k", hold, lambda _held, i=i: done.append(i))))
        threads[-1].start()
    eventually(lambda: len(shared._queues.get("k", [])) == 3)  # all three asked while the first hold lasts
    release.set()
    for t in threads:
        t.join(5)
    assert sorted(done) == [0, 1, 2, 3]
    assert holds == ["taken", "taken"]  # the three later ones shared the second hold


def test_a_failing_work_raises_to_its_caller_only():
    shared = SharedHold()

    def boom(_held: object) -> None:
        raise OSError("no")

    with pytest.raises(OSError, match="no"):
        shared.run("k", contextlib.nullcontext, boom)
    shared.run("k", contextlib.nullcontext, lambda _held: None)


def test_a_lock_that_cannot_be_taken_fails_the_caller():
    shared = SharedHold()

    @contextlib.contextmanager
    def broken():
        raise PermissionError("lock file")
        yield

    ran: list[bool] = []
    with pytest.raises(PermissionError):
        shared.run("k", broken, lambda _held: ran.append(True))
    assert ran == []
