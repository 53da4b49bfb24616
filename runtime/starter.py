"""Run inside the monitor (``starter``/``probe_runner`` of a job): start a container from its ``launch.json``,
and run healthcheck probes inside a running container. Kept lean: the monitor imports it with ``python -S``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Sequence

from runtime import launchspec
from runtime.process import launcher

_procs: dict[str, launcher.ContainerProcess] = {}


def start(job: dict, stdout_fd: int, stderr_fd: int) -> int:
    """The monitor's starter: launch the container (its child); returns the pid once the command exec'd."""
    with open(job["launch"], "rb") as fh:
        spec = launchspec.from_json(json.loads(fh.read()))
    release(spec.id)
    _remove_stale_cgroup(spec.id)
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        proc = launcher.start(spec, stdio=(null, stdout_fd, stderr_fd))
    finally:
        os.close(null)
    _procs[spec.id] = proc
    return proc.pid


def release(cid: str) -> None:
    """Forget the previous run of ``cid`` (already reaped by the monitor): its pidfd and its cgroup."""
    proc = _procs.pop(cid, None)
    if proc is None:
        return
    _close_pidfd(proc)  # the monitor reaps by waitpid, so ContainerProcess.wait never ran
    if proc.cgroup is not None:
        proc.cgroup.remove()
        proc.cgroup = None


def _remove_stale_cgroup(cid: str) -> None:
    """A run this process did not start (an earlier monitor's, or one it adopted) leaves its cgroup behind."""
    if not _driver:
        from runtime.linux.cgroups import detect

        _driver.append(detect())
    _driver[0].open(cid).remove()


_driver: list = []


class ExecProbe:
    """Runs a probe as ``exec`` does: in the container's namespaces and cgroup, as its user, with its capabilities,
    seccomp filter and environment. At the timeout the probe command (and the helper relaying it) is killed."""

    def __init__(self, job: dict, pid: int) -> None:
        with open(job["launch"], "rb") as fh:
            self.spec = launchspec.from_json(json.loads(fh.read()))
        self.pid = pid

    def run(self, argv: Sequence[str], timeout: float):  # noqa: ANN201 - a supervise.health.ProbeResult
        from runtime.errors import ContainerError
        from runtime.process import exec as process_exec
        from runtime.supervise.health import TIMEOUT_EXIT, ProbeResult, truncate_output

        start = time.time()
        read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
        null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        container = launcher.ContainerProcess(self.spec, self.pid, None)
        try:
            proc = process_exec.exec_in(container, tuple(argv), stdio=(null, write_fd, write_fd))
        except ContainerError as exc:
            os.close(read_fd)
            return ProbeResult(start, time.time(), TIMEOUT_EXIT, f"probe could not start: {exc}")
        finally:
            for fd in (null, write_fd):
                os.close(fd)
            _close_pidfd(container)
        try:
            data, timed_out = _collect(read_fd, time.monotonic() + timeout)
        finally:
            os.close(read_fd)
        if timed_out:
            _kill_children(proc.pid)
            proc.kill()
        code = proc.wait()
        if timed_out:
            return ProbeResult(start, time.time(), TIMEOUT_EXIT, f"Health check exceeded timeout ({timeout:g}s)")
        return ProbeResult(start, time.time(), code if code is not None else TIMEOUT_EXIT, truncate_output(data))


def _collect(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Output until EOF (the probe and everything it started closed the pipe), or (…, True) at the deadline."""
    import select

    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b"".join(chunks), True
        data = os.read(fd, 65536)
        if not data:
            return b"".join(chunks), False
        if size < 8192:
            chunks.append(data)
            size += len(data)


def _kill_children(pid: int) -> None:
    """The exec helper relays signals but cannot relay SIGKILL: kill its children (the probe) directly."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        return
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _close_pidfd(proc: launcher.ContainerProcess) -> None:
    fd = getattr(proc, "_pidfd", -1)
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


def probe_runner(job: dict, pid: int) -> ExecProbe:
    return ExecProbe(job, pid)
