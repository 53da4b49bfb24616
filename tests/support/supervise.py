"""Helpers for monitor tests: start a monitor on a job directory and kill everything it left, by pid."""

from __future__ import annotations

import os
import signal

from runtime.supervise import job
from tests.support.eventually import eventually
from runtime.supervise.holder import ensure_monitor, is_holder


def start(directory, name: str, argv: list[str], **extra) -> int:
    """Write a job running ``argv`` on the host and make the directory's monitor take it; returns the monitor pid."""
    job.write_job(str(directory), name, {"argv": argv, **extra})
    return ensure_monitor(str(directory), log=os.path.join(str(directory), "monitor.log"))


def state(directory, name: str) -> dict:
    return job.read_state(str(directory), name) or {}


def kill_all(directory) -> None:
    """Kill the monitor, every container process and holder recorded in ``directory`` (checked by pid identity)."""
    directory = os.path.abspath(str(directory))
    monitors = _monitors_of(directory)
    for pid in monitors:
        _kill(pid)
    for pid in monitors:  # dead before its containers go, so it cannot restart them
        eventually(lambda: not job.is_alive(pid, job.process_start_time(pid)), timeout=5)
    for name in job.job_names(directory) + _state_names(directory):
        record = job.read_state(directory, name) or {}
        if job.is_alive(record.get("pid"), record.get("pid_start")):
            _kill(record["pid"])
        holder = (record.get("holder") or {}).get("pid")
        if holder and is_holder(holder):
            _kill(holder)


def _monitors_of(directory: str) -> list[int]:
    """Monitors serving ``directory`` (found by their command line; the pidfile may be mid-rewrite)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    argv = fh.read().split(b"\0")
            except OSError:
                continue
            if b"runtime.supervise.monitor" in argv and directory.encode() in argv:
                found.append(int(entry))
    return found


def _state_names(directory: str) -> list[str]:
    try:
        return [e[: -len(job.STATE_SUFFIX)] for e in os.listdir(directory) if e.endswith(job.STATE_SUFFIX)]
    except FileNotFoundError:
        return []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start_host(spec: dict, stdout_fd: int, stderr_fd: int) -> int:
    """A starter for monitor tests whose module also answers ``exit_info`` (as the container starter does)."""
    from runtime.supervise.hostproc import host_starter

    return host_starter(spec, stdout_fd, stderr_fd)


def start_gated(spec: dict, stdout_fd: int, stderr_fd: int) -> int:
    """A host starter that holds its start until the file ``spec["gate"]`` exists (a start in flight); it touches
    ``<gate>.waiting`` once it waits and writes the pid it started to ``<gate>.pid``. Gives up waiting after 30 s
    and starts anyway."""
    import time

    with open(spec["gate"] + ".waiting", "w"):
        pass
    deadline = time.monotonic() + 30
    while not os.path.exists(spec["gate"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = start_host(spec, stdout_fd, stderr_fd)
    with open(spec["gate"] + ".pid", "w") as fh:
        fh.write(str(pid))
    return pid


def exit_info(spec: dict, pid: int, code: int | None) -> dict:
    """Pretend the kernel OOM-killed whatever died of SIGKILL."""
    return {"oom_killed": code == 128 + signal.SIGKILL}
