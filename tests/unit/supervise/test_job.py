"""The monitor's file protocol: jobs, stop requests, states, and naming a process for good (pid + start time)."""

from __future__ import annotations

import os
import subprocess

import pytest

from runtime.supervise import job


def test_jobs_are_listed_by_name_without_states_or_temp_files(tmp_path):
    job.write_job(str(tmp_path), "web-1", {"argv": ["true"]})
    job.write_job(str(tmp_path), "db-1", {"argv": ["true"]})
    job.write_json(job.state_path(str(tmp_path), "web-1"), {"status": "running"})
    (tmp_path / ".web-1.json.123.tmp").write_text("{")
    assert job.job_names(str(tmp_path)) == ["db-1", "web-1"]
    assert job.read_json(job.job_path(str(tmp_path), "web-1")) == {"argv": ["true"], "name": "web-1"}


def test_missing_or_torn_files_read_as_none(tmp_path):
    (tmp_path / "x.state.json").write_text('{"status": "runn')
    assert job.read_state(str(tmp_path), "x") is None
    assert job.read_state(str(tmp_path), "nothing") is None
    assert job.job_names(str(tmp_path / "absent")) == []


def test_stop_requests_come_and_go(tmp_path):
    job.request_stop(str(tmp_path), "web-1", timeout=3)
    assert job.read_json(job.stop_path(str(tmp_path), "web-1")) == {"timeout": 3}
    job.clear_stop(str(tmp_path), "web-1")
    job.clear_stop(str(tmp_path), "web-1")
    assert not os.path.exists(job.stop_path(str(tmp_path), "web-1"))


def test_a_pid_is_alive_only_with_its_start_time():
    me = os.getpid()
    assert job.is_alive(me, job.process_start_time(me))
    assert not job.is_alive(me, job.process_start_time(me) + 1)
    assert not job.is_alive(None, None)


def test_an_exited_process_is_not_alive_even_as_a_zombie():
    proc = subprocess.Popen(["true"])
    started = job.process_start_time(proc.pid)
    try:
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
        assert not job.is_alive(proc.pid, started)
    finally:
        proc.wait()
    assert job.process_start_time(proc.pid) is None or not job.is_alive(proc.pid, started)


def test_removing_a_job_without_a_monitor_drops_its_files(tmp_path):
    job.write_job(str(tmp_path), "web-1", {"argv": ["true"]})
    job.request_stop(str(tmp_path), "web-1")
    job.write_json(job.state_path(str(tmp_path), "web-1"), {"status": "exited"})
    job.remove_job(str(tmp_path), "web-1")
    assert sorted(os.listdir(tmp_path)) == [job.CONTROL_LOCK]


@pytest.mark.parametrize(("status", "code"), [(0, 0), (1 << 8, 1), (9, 137), (15, 143)])
def test_a_reaped_exit_is_recorded_as_docker_reports_it(status, code):
    assert job.exit_code(status) == code  # death by signal N is 128+N, never -N


def test_wake_reaches_a_waiting_fifo_and_is_a_no_op_without_one(tmp_path):
    job.wake(str(tmp_path), "web-1")  # nobody waits: nothing happens, nothing is created
    assert not os.path.exists(job.wake_path(str(tmp_path), "web-1"))
    os.mkfifo(job.wake_path(str(tmp_path), "web-1"))
    job.wake(str(tmp_path), "web-1")  # a FIFO nobody reads: no error, no block
    fd = os.open(job.wake_path(str(tmp_path), "web-1"), os.O_RDWR | os.O_NONBLOCK)
    try:
        job.wake(str(tmp_path), "web-1")
        assert os.read(fd, 16) == b"."
    finally:
        os.close(fd)
