"""Run inside the monitor (``starter``/``probe_runner`` of a job): start a container from its ``launch.json``,
and run healthcheck probes inside a running container. Kept lean: the monitor imports it with ``python -S``.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from runtime import launchspec
from runtime.process import identity, launcher
from runtime.spec import User, merge_env

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
    fd = getattr(proc, "_pidfd", -1)  # the monitor reaps by waitpid, so ContainerProcess.wait never ran
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
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


class NsenterProbe:
    """Runs a probe in the container's namespaces and root, as its user, with its environment."""

    def __init__(self, job: dict, pid: int) -> None:
        with open(job["launch"], "rb") as fh:
            spec = launchspec.from_json(json.loads(fh.read()))
        ident = identity.resolve(User(spec.process.user.spec, spec.process.user.group_add), f"/proc/{pid}/root")
        env = identity.process_env(merge_env(spec.process.env), ident, spec.hostname or spec.id[:12])
        self.prefix = ["env", "-i", *(f"{k}={v}" for k, v in env.items()),
                       "nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "--root",
                       f"--wdns={spec.process.cwd or '/'}", "-S", str(ident.uid), "-G", str(ident.gid), "--"]

    def run(self, argv: Sequence[str], timeout: float):  # noqa: ANN201 - a supervise.health.ProbeResult
        from runtime.supervise.health import HostProbeRunner

        return HostProbeRunner().run([*self.prefix, *argv], timeout)


def probe_runner(job: dict, pid: int) -> NsenterProbe:
    return NsenterProbe(job, pid)
