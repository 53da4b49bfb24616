"""The monitor starts containers side by side: a start in flight holds up neither the loop nor other starts, and
whatever happens to its job meanwhile (a stop, a removal, the monitor's SIGTERM) is applied once it is over."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from runtime.supervise import job
from runtime.supervise.holder import ensure_monitor, monitor_pid
from tests.support.eventually import eventually
from tests.support.supervise import start, state

GATED = "tests.support.supervise:start_gated"
TICKER = ["/bin/sh", "-c", "while :; do echo tick; sleep 0.05; done"]


def _start_gated(jobs_dir, tmp_path, name: str) -> tuple[int, Path]:
    """A job whose start is held at a gate (a file to touch); returns the monitor's pid and the gate."""
    gate = tmp_path / f"{name}.gate"
    monitor = start(jobs_dir, name, TICKER, starter=GATED, gate=str(gate))
    eventually(lambda: os.path.exists(f"{gate}.waiting"))  # its start is in flight, held at the gate
    return monitor, gate


def _started_pid(gate: Path) -> int:
    return int(eventually(lambda: Path(f"{gate}.pid").read_text()))


def test_a_start_held_up_does_not_hold_up_the_others(jobs_dir, tmp_path):
    _, gate = _start_gated(jobs_dir, tmp_path, "slow-1")
    start(jobs_dir, "quick-1", TICKER)
    eventually(lambda: state(jobs_dir, "quick-1").get("status") == "running")
    assert state(jobs_dir, "slow-1").get("status") != "running"
    gate.touch()
    eventually(lambda: state(jobs_dir, "slow-1").get("status") == "running")


def test_a_stop_filed_during_the_start_stops_it_once_it_runs(jobs_dir, tmp_path):
    _, gate = _start_gated(jobs_dir, tmp_path, "s-1")
    job.request_stop(str(jobs_dir), "s-1", timeout=5)
    ensure_monitor(str(jobs_dir))
    gate.touch()
    final = eventually(lambda: (s := state(jobs_dir, "s-1")).get("status") == "exited" and s)
    assert final["stopped_by_user"] and final["restart_count"] == 0
    pid = _started_pid(gate)
    eventually(lambda: _gone(pid))


def test_a_job_removed_during_the_start_is_killed_once_it_runs(jobs_dir, tmp_path):
    _, gate = _start_gated(jobs_dir, tmp_path, "r-1")
    job.remove_job(str(jobs_dir), "r-1")
    gate.touch()
    pid = _started_pid(gate)
    eventually(lambda: _gone(pid))
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)  # nothing left to watch: the monitor left
    assert job.read_state(str(jobs_dir), "r-1") is None


def test_sigterm_during_a_start_records_it_and_the_next_monitor_adopts_it(jobs_dir, tmp_path):
    monitor, gate = _start_gated(jobs_dir, tmp_path, "t-1")
    os.kill(monitor, signal.SIGTERM)
    gate.touch()
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    recorded = state(jobs_dir, "t-1")
    assert recorded["status"] == "running" and recorded["pid"] == _started_pid(gate)
    assert job.is_alive(recorded["pid"], recorded["pid_start"])
    ensure_monitor(str(jobs_dir))
    assert eventually(lambda: (s := state(jobs_dir, "t-1")).get("adopted") and s)["pid"] == recorded["pid"]


def _gone(pid: int) -> bool:
    """Exited (a zombie counts: its parent, the monitor, may not have reaped it yet)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_monitor_started_ahead_waits_for_its_first_job_then_leaves_when_idle(jobs_dir):
    early = ensure_monitor(str(jobs_dir), linger=30, warm="tests.support.supervise:start_host")
    assert monitor_pid(str(jobs_dir)) == early  # found at once by the next caller, though it has no job yet
    assert start(jobs_dir, "one-1", ["/bin/sh", "-c", "echo hi; exit 0"]) == early
    assert eventually(lambda: (s := state(jobs_dir, "one-1")).get("status") == "exited" and s)["exit_code"] == 0


def test_a_monitor_started_ahead_with_no_job_leaves_after_lingering(tmp_path):
    directory = tmp_path / "monitors" / "proj"
    ensure_monitor(str(directory), linger=0.2)
    eventually(lambda: monitor_pid(str(directory)) is None)
    eventually(lambda: not directory.exists())  # nothing but its bookkeeping: tidied away


def test_settle_waits_for_a_start_left_in_flight_by_a_killed_command(jobs_dir, tmp_path):
    """`up` killed while its start was in flight, then `up` again: the second start first waits for the monitor
    to answer the pending one, so it never rebuilds what that launch is using."""
    import threading

    from runtime import supervision

    start(jobs_dir, "k-1", TICKER, starter=GATED, gate=str(tmp_path / "k-1.gate"), generation="g1")
    eventually(lambda: os.path.exists(f"{tmp_path / 'k-1.gate'}.waiting"))
    settled = threading.Event()
    waiter = threading.Thread(target=lambda: (supervision.settle(str(jobs_dir), "k-1", timeout=30), settled.set()))
    waiter.start()
    try:
        assert not settled.wait(0.3), "settle returned while the start was still in flight"
        (tmp_path / "k-1.gate").touch()
        assert settled.wait(30)
        st = state(jobs_dir, "k-1")
        assert (st.get("generation"), st.get("status")) == ("g1", "running")
    finally:
        (tmp_path / "k-1.gate").touch()
        waiter.join(30)


def test_settle_returns_at_once_when_the_last_start_was_answered(jobs_dir, tmp_path):
    from runtime import supervision

    start(jobs_dir, "a-1", TICKER, generation="g1")
    eventually(lambda: state(jobs_dir, "a-1").get("status") == "running")
    assert not supervision._unanswered(str(jobs_dir), "a-1")
    supervision.settle(str(jobs_dir), "a-1", timeout=0)
