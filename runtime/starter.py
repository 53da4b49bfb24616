"""Run inside the monitor (``starter``/``probe_runner`` of a job): start a container from its ``launch.json``,
and run healthcheck probes inside a running container. Kept lean: the monitor imports it with ``python -S``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from collections.abc import Sequence

from runtime.errors import ContainerError, KernelError
from runtime.process import launcher
from runtime.spec import ContainerSpec

_cgroups: dict[str, object] = {}  # launch.json path -> the running container's cgroup (a linux.cgroups.Cgroup)


def prepare() -> None:
    """Called once by the monitor when it loads this module: fill the launcher's caches (syscalls, cgroup driver,
    capability count) in one thread, before starts run side by side."""
    launcher.default_syscalls()
    launcher.default_driver()
    launcher.last_cap_cached()


def start(job: dict, stdout_fd: int, stderr_fd: int) -> int | tuple[int, int]:
    """The monitor's starter: launch the container (its child); returns the pid once the command exec'd, with a
    tty ``(pid, pty master)`` (the monitor owns the master from then on).

    The monitor reaps the process with ``waitpid`` and then calls ``exit_info``, which removes the cgroup."""
    spec = _spec(job)
    _release(job, spec.id)  # defensive: a run that exited while no monitor watched left its cgroup
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            proc = launcher.start(spec, stdio=(null, stdout_fd, stderr_fd))
        except ContainerError as exc:
            if not _parent_cgroup_vanished(exc):
                raise
            proc = launcher.start(spec, stdio=(null, stdout_fd, stderr_fd))
    finally:
        os.close(null)
    _cgroups[job["launch"]] = proc.detach()
    return proc.pid if proc.console is None else (proc.pid, proc.console)


def _parent_cgroup_vanished(exc: ContainerError) -> bool:
    """The shared ``dockyard`` parent cgroup was removed (another container's cleanup, in this monitor or another
    process) between its mkdir and its setup: the start left nothing behind and is tried once more."""
    cause = exc.__cause__
    return isinstance(cause, KernelError) and cause.errno == errno.ENOENT and ": cgroup: " in str(exc)


def exit_info(job: dict, pid: int, code: int | None) -> dict:
    """Called by the monitor once the container's init exited (reaped by it, or seen gone when adopted): whether
    the kernel OOM-killed a process of it, read from its cgroup, which is then removed with any leftovers."""
    try:
        return {"oom_killed": _release(job, None)}
    except OSError:
        return {"oom_killed": False}


def _release(job: dict, cid: str | None) -> bool:
    cgroup = _cgroups.pop(job["launch"], None)
    if cgroup is None:
        if cid is None:
            with open(job["launch"], "rb") as fh:
                cid = json.loads(fh.read())["id"]
        cgroup = _driver().open(cid)
    return launcher.release_cgroup(cgroup)  # type: ignore[arg-type]


def _spec(job: dict):
    with open(job["launch"], "rb") as fh:
        return ContainerSpec.from_dict(json.loads(fh.read()))


def _driver():
    if not _drivers:
        from runtime.linux.cgroups import detect

        _drivers.append(detect())
    return _drivers[0]


_drivers: list = []


class ExecProbe:
    """Runs a probe as ``exec`` does: in the container's namespaces and cgroup, as its user, with its capabilities,
    seccomp filter and environment. At the timeout the probe command (and the helper relaying it) is killed."""

    def __init__(self, job: dict, pid: int) -> None:
        self.spec = _spec(job)
        self.pid = pid

    def run(self, argv: Sequence[str], timeout: float):
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
            container.close()
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


def probe_runner(job: dict, pid: int) -> ExecProbe:
    return ExecProbe(job, pid)
