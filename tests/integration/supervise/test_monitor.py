"""The monitor with plain host processes: logs, exit records, restart policies, stops, health, and survival."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from runtime.supervise import job
from runtime.supervise.holder import ensure_monitor, is_holder, monitor_pid
from runtime.supervise.logread import as_time, follow_logs, read_logs
from tests.support.eventually import eventually
from tests.support.supervise import start, state

TICKER = ["/bin/sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done"]


def _logs(jobs_dir, name: str) -> list[str]:
    return [e.log for e in read_logs(jobs_dir / f"{name}-json.log")]


def test_output_is_logged_by_stream_and_the_exit_is_recorded(jobs_dir):
    start(jobs_dir, "one-1", ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
    done = eventually(lambda: state(jobs_dir, "one-1").get("status") == "exited" and state(jobs_dir, "one-1"))
    assert done["exit_code"] == 3 and done["restart_count"] == 0 and done["finished_at"]
    entries = list(read_logs(jobs_dir / "one-1-json.log"))
    assert sorted((e.stream, e.log) for e in entries) == [("stderr", "err\n"), ("stdout", "out\n")]


def test_on_failure_3_restarts_exactly_three_times(jobs_dir):
    start(jobs_dir, "flaky-1", ["/bin/sh", "-c", "echo run; exit 1"], restart="on-failure:3")
    final = eventually(lambda: (s := state(jobs_dir, "flaky-1")).get("status") == "exited" and s["restart_count"] == 3
                       and s)
    assert "gave up after 3" in final["reason"]
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)  # idle: the monitor leaves
    assert _logs(jobs_dir, "flaky-1") == ["run\n"] * 4


def test_always_restarts_after_a_crash_but_not_after_a_user_stop(jobs_dir):
    start(jobs_dir, "svc-1", ["/bin/sh", "-c", "echo up; sleep 0.3; exit 1"], restart="always")
    eventually(lambda: state(jobs_dir, "svc-1").get("restart_count", 0) >= 2)
    job.request_stop(str(jobs_dir), "svc-1", timeout=5)
    ensure_monitor(str(jobs_dir))
    stopped = eventually(lambda: (s := state(jobs_dir, "svc-1"))["status"] == "exited" and s["stopped_by_user"] and s)
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    assert state(jobs_dir, "svc-1")["restart_count"] == stopped["restart_count"]


def test_start_after_a_user_stop_runs_it_again(jobs_dir):
    start(jobs_dir, "svc-1", TICKER, restart="always")
    eventually(lambda: state(jobs_dir, "svc-1").get("status") == "running")
    job.request_stop(str(jobs_dir), "svc-1", timeout=5)
    ensure_monitor(str(jobs_dir))
    eventually(lambda: state(jobs_dir, "svc-1")["status"] == "exited")
    job.clear_stop(str(jobs_dir), "svc-1")
    ensure_monitor(str(jobs_dir))
    again = eventually(lambda: (s := state(jobs_dir, "svc-1"))["status"] == "running" and s)
    assert not again["stopped_by_user"]


def test_stop_escalates_to_sigkill_after_the_timeout(jobs_dir):
    stubborn = ["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]
    start(jobs_dir, "hard-1", stubborn, restart="always")
    eventually(lambda: "ready\n" in _logs(jobs_dir, "hard-1"))
    job.request_stop(str(jobs_dir), "hard-1", timeout=0.3)
    ensure_monitor(str(jobs_dir))
    final = eventually(lambda: (s := state(jobs_dir, "hard-1"))["status"] == "exited" and s)
    assert final["exit_code"] == 128 + signal.SIGKILL and final["restart_count"] == 0


def test_a_killed_monitor_leaves_the_container_writing_and_a_new_one_adopts_it(jobs_dir, tmp_path):
    counter = tmp_path / "counter"
    ticker = ["/bin/sh", "-c", f"i=0; while :; do echo tick $i; echo $i > {counter}; i=$((i+1)); sleep 0.05; done"]
    first = start(jobs_dir, "tick-1", ticker, restart="always")
    running = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("status") == "running" and s)
    os.kill(first, signal.SIGKILL)
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    # with no monitor the container keeps printing: its stdout pipe is still held open by the holder (no SIGPIPE)
    at_death = int(eventually(lambda: counter.read_text().strip()))
    eventually(lambda: int(counter.read_text().strip() or 0) > at_death + 10)
    assert job.is_alive(running["pid"], running["pid_start"]) and is_holder(running["holder"]["pid"])
    second = ensure_monitor(str(jobs_dir))
    assert second != first
    adopted = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("adopted") and s)
    assert adopted["pid"] == running["pid"]  # re-adopted, not started twice
    eventually(lambda: len(_logs(jobs_dir, "tick-1")) > at_death + 20)
    ticks = [int(line.split()[1]) for line in _logs(jobs_dir, "tick-1")]
    assert ticks == list(range(len(ticks)))  # nothing lost while no monitor read the pipe


def test_an_adopted_container_that_exits_is_restarted_by_policy(jobs_dir):
    first = start(jobs_dir, "tick-1", TICKER, restart="always")
    running = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("status") == "running" and s)
    os.kill(first, signal.SIGKILL)
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    ensure_monitor(str(jobs_dir))
    eventually(lambda: state(jobs_dir, "tick-1").get("adopted"))
    os.kill(running["pid"], signal.SIGKILL)
    after = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("restart_count") == 1 and s["status"] == "running"
                       and s)
    assert after["pid"] != running["pid"] and not after["adopted"]


def test_the_monitor_survives_the_cli_that_started_it(jobs_dir):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from tests.support.supervise import start; "
            f"print(start(sys.argv[2], 'tick-1', {TICKER!r}))")
    cli = subprocess.run([sys.executable, "-c", code, os.getcwd(), str(jobs_dir)], capture_output=True, text=True,
                         check=True)
    monitor = int(cli.stdout)
    eventually(lambda: state(jobs_dir, "tick-1").get("status") == "running")
    seen = len(_logs(jobs_dir, "tick-1"))
    eventually(lambda: len(_logs(jobs_dir, "tick-1")) > seen + 3)
    assert monitor_pid(str(jobs_dir)) == monitor
    assert os.getsid(monitor) != os.getsid(0)  # another session: the terminal's signals do not reach it


def test_removing_the_job_kills_the_container_and_its_holder(jobs_dir):
    start(jobs_dir, "tick-1", TICKER)
    running = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("status") == "running" and s)
    job.remove_job(str(jobs_dir), "tick-1")
    eventually(lambda: not job.is_alive(running["pid"], running["pid_start"]))
    eventually(lambda: not is_holder(running["holder"]["pid"]))
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    assert job.read_state(str(jobs_dir), "tick-1") is None


def test_log_options_rotate_and_driver_none_writes_nothing(jobs_dir):
    chatty = ["/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done"]
    start(jobs_dir, "big-1", chatty, log={"options": {"max-size": "2k", "max-file": "2"}})
    start(jobs_dir, "quiet-1", chatty, log={"driver": "none"})
    eventually(lambda: state(jobs_dir, "big-1").get("status") == state(jobs_dir, "quiet-1").get("status") == "exited")
    lines = _logs(jobs_dir, "big-1")
    assert lines[-1] == "line 299\n" and len(lines) < 300 and (jobs_dir / "big-1-json.log.1").exists()
    assert not (jobs_dir / "quiet-1-json.log").exists()


def test_follow_shows_lines_from_before_and_after_a_restart(jobs_dir):
    start(jobs_dir, "r-1", ["/bin/sh", "-c", "echo start; sleep 0.2; exit 1"], restart="on-failure:2")

    def alive() -> bool:
        return state(jobs_dir, "r-1").get("status") in ("running", "restarting", None)

    got = [e.log for e in follow_logs(jobs_dir / "r-1-json.log", alive, poll=0.02)]
    assert got == ["start\n"] * 3


def test_healthcheck_goes_healthy_then_unhealthy(jobs_dir, tmp_path):
    flag = tmp_path / "ok"
    health = {"test": ["CMD-SHELL", f"test -f {flag} && echo fine"], "interval": "0.1s", "retries": 2,
              "start_period": "60s", "start_interval": "0.1s"}  # failures before the first success do not count
    start(jobs_dir, "web-1", TICKER, health=health)
    assert eventually(lambda: state(jobs_dir, "web-1").get("health"))["Status"] == "starting"
    flag.touch()
    healthy = eventually(lambda: (h := state(jobs_dir, "web-1")["health"])["Status"] == "healthy" and h)
    assert healthy["Log"][-1]["Output"] == "fine\n" and healthy["Log"][-1]["ExitCode"] == 0
    flag.unlink()
    sick = eventually(lambda: (h := state(jobs_dir, "web-1")["health"])["Status"] == "unhealthy" and h)
    assert sick["FailingStreak"] >= 2 and len(sick["Log"]) <= 5


def test_restart_on_unhealthy_is_opt_in(jobs_dir):
    health = {"test": ["CMD", "false"], "interval": "0.1s", "retries": 1}
    start(jobs_dir, "sick-1", TICKER, health=health, restart_on_unhealthy=True)
    start(jobs_dir, "sick-2", TICKER, health=health)
    eventually(lambda: state(jobs_dir, "sick-1").get("restart_count", 0) >= 1)
    eventually(lambda: state(jobs_dir, "sick-2")["health"]["Status"] == "unhealthy")
    assert state(jobs_dir, "sick-2")["restart_count"] == 0 and state(jobs_dir, "sick-2")["status"] == "running"


def test_state_files_are_whole_json_documents(jobs_dir):
    start(jobs_dir, "s-1", ["/bin/sh", "-c", "exit 0"])
    eventually(lambda: state(jobs_dir, "s-1").get("status") == "exited")
    assert json.loads((jobs_dir / "s-1.state.json").read_text())["name"] == "s-1"
    assert not [p for p in os.listdir(jobs_dir) if p.endswith(".tmp")]


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_new_generation_starts_an_exited_container_and_leaves_a_running_one_alone(jobs_dir):
    start(jobs_dir, "g-1", ["/bin/sh", "-c", "echo ran; exit 0"], generation="a")
    eventually(lambda: state(jobs_dir, "g-1").get("status") == "exited")
    start(jobs_dir, "g-1", ["/bin/sh", "-c", "echo ran; exit 0"], generation="b")
    eventually(lambda: (s := state(jobs_dir, "g-1")).get("generation") == "b" and s["status"] == "exited")
    assert _logs(jobs_dir, "g-1") == ["ran\n", "ran\n"]
    start(jobs_dir, "t-1", TICKER, generation="a")
    first = eventually(lambda: (s := state(jobs_dir, "t-1")).get("status") == "running" and s)
    start(jobs_dir, "t-1", TICKER, generation="b")
    again = eventually(lambda: (s := state(jobs_dir, "t-1")).get("generation") == "b" and s)
    assert again["pid"] == first["pid"] and again["restart_count"] == 0


def test_a_command_that_cannot_start_is_recorded_with_its_error(jobs_dir):
    start(jobs_dir, "bad-1", ["/nonexistent/command"])
    failed = eventually(lambda: (s := state(jobs_dir, "bad-1")).get("error") and s)
    assert "FileNotFoundError" in failed["error"] and failed["status"] == "exited" and failed["exit_code"] == 127


def test_the_starters_exit_info_reports_oom_kills(jobs_dir):
    start(jobs_dir, "oom-1", ["/bin/sh", "-c", "kill -9 $$"], starter="tests.support.supervise:start_host")
    start(jobs_dir, "ok-1", ["/bin/sh", "-c", "exit 0"], starter="tests.support.supervise:start_host")
    assert eventually(lambda: (s := state(jobs_dir, "oom-1")).get("status") == "exited" and s)["oom_killed"]
    assert not eventually(lambda: (s := state(jobs_dir, "ok-1")).get("status") == "exited" and s)["oom_killed"]


def test_sigterm_ends_the_monitor_but_not_its_containers(jobs_dir):
    monitor = start(jobs_dir, "tick-1", TICKER, restart="always")
    running = eventually(lambda: (s := state(jobs_dir, "tick-1")).get("status") == "running" and s)
    os.kill(monitor, signal.SIGTERM)
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    assert not (jobs_dir / "monitor.pid").exists()
    assert job.is_alive(running["pid"], running["pid_start"])
    ensure_monitor(str(jobs_dir))
    assert eventually(lambda: (s := state(jobs_dir, "tick-1")).get("adopted") and s)["pid"] == running["pid"]


def test_a_restart_pending_when_the_monitor_died_happens_under_the_next_monitor(jobs_dir):
    first = start(jobs_dir, "slow-1", ["/bin/sh", "-c", "echo run; exit 1"],
                  deploy_restart={"condition": "on-failure", "delay": "2s", "max_attempts": 1})
    pending = eventually(lambda: (s := state(jobs_dir, "slow-1")).get("status") == "restarting" and s)
    os.kill(first, signal.SIGKILL)
    eventually(lambda: monitor_pid(str(jobs_dir)) is None)
    ensure_monitor(str(jobs_dir))
    final = eventually(lambda: (s := state(jobs_dir, "slow-1"))["status"] == "exited" and s["restart_count"] == 1
                       and s)
    assert final["exit_code"] == 1 and _logs(jobs_dir, "slow-1") == ["run\n", "run\n"]
    restarted_at = next(e.time for e in list(read_logs(jobs_dir / "slow-1-json.log"))[1:])
    assert restarted_at >= as_time(pending["restart_at_epoch"])  # the delay was kept across monitors
