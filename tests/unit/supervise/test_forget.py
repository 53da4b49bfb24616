"""supervision.forget: the monitor that had the job removes its state; when that monitor was leaving and a new one
took its place (which never saw the job), forget removes the leftovers itself at once instead of waiting."""

from __future__ import annotations

import os

import pytest

from runtime import supervision
from runtime.supervise import job as jobs

CID = "c" * 64


@pytest.fixture
def group(tmp_path):
    directory = str(tmp_path / "monitors" / "proj")
    os.makedirs(directory)
    jobs.write_job(directory, CID, {"argv": ["true"]})
    jobs.write_json(jobs.state_path(directory, CID), {"status": "exited", "holder": {"pid": 4242}})
    return directory


def _no_waiting(*args) -> None:
    raise AssertionError(f"forget waited {args} for a monitor that never saw the job")


def test_a_replaced_monitor_leaves_forget_to_clean_up_without_waiting(group, monkeypatch):
    released: list[int] = []
    pids = iter([100, 200, 200])  # seen before the poke; the poke found 200 in its place
    monkeypatch.setattr(supervision, "monitor_pid", lambda d: next(pids, 200))
    monkeypatch.setattr(supervision, "_poke_now", lambda d: 200)
    monkeypatch.setattr(supervision, "release", released.append)
    monkeypatch.setattr(supervision, "tidy_if_idle", lambda d: False)
    monkeypatch.setattr(supervision.time, "sleep", _no_waiting)
    monkeypatch.setattr(supervision, "_wait", _no_waiting)

    supervision.forget(group, CID)

    assert not os.path.exists(jobs.job_path(group, CID))
    assert not os.path.exists(jobs.state_path(group, CID))
    assert released == [4242]
    assert not os.path.exists(jobs.wake_path(group, CID))


def test_the_monitor_that_had_the_job_is_waited_for(group, monkeypatch):
    slept: list[float] = []

    def monitor_removes_state(waiter, seconds: float) -> None:
        slept.append(seconds)
        os.unlink(jobs.state_path(group, CID))  # the poked monitor forgot the unit and released its holder
        jobs.wake(group, CID)

    monkeypatch.setattr(supervision, "monitor_pid", lambda d: 100)
    monkeypatch.setattr(supervision, "_poke_now", lambda d: 100)
    monkeypatch.setattr(supervision, "release", lambda pid: pytest.fail("the monitor releases the holder"))
    monkeypatch.setattr(supervision, "tidy_if_idle", lambda d: False)
    monkeypatch.setattr(supervision, "_wait", monitor_removes_state)

    supervision.forget(group, CID)

    assert slept
    assert not os.path.exists(jobs.state_path(group, CID))
    assert not os.path.exists(jobs.wake_path(group, CID))  # the waiter's FIFO goes with it


def test_a_monitor_gone_meanwhile_is_not_restarted_and_forget_cleans_up_at_once(group, monkeypatch):
    released: list[int] = []
    pids = iter([100])  # seen before the poke; gone when the poke looked (it left idle)
    monkeypatch.setattr(supervision, "monitor_pid", lambda d: next(pids, None))
    monkeypatch.setattr(supervision, "ensure_monitor", lambda d, **kw: pytest.fail("no monitor is started to forget"))
    monkeypatch.setattr(supervision, "release", released.append)
    monkeypatch.setattr(supervision, "tidy_if_idle", lambda d: False)
    monkeypatch.setattr(supervision, "_wait", _no_waiting)

    supervision.forget(group, CID)

    assert not os.path.exists(jobs.state_path(group, CID))
    assert released == [4242]
