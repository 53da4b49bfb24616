"""The monitor's default starter: a job's ``argv`` as a plain host process (tests; the launcher's container
starter has the same signature: ``start(job, stdout_fd, stderr_fd) -> pid`` of a child of the calling process)."""

from __future__ import annotations

import os
import signal


def host_starter(spec: dict, stdout_fd: int, stderr_fd: int) -> int:
    """Start a job's ``argv`` as a plain host process (tests, and the shape the container starter follows)."""
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        env = spec.get("env") or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
        return os.posix_spawnp(
            spec["argv"][0], list(spec["argv"]), env,
            file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
                          (os.POSIX_SPAWN_DUP2, stderr_fd, 2)],
            setsid=True, setsigmask=(),
            setsigdef=(signal.SIGPIPE, signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT),
        )
    finally:
        os.close(null)
        os.chdir("/")
