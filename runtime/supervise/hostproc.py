"""The monitor's default starter: a job's ``argv`` as a plain host process (tests; the launcher's container
starter has the same signature: ``start(job, stdout_fd, stderr_fd) -> pid`` of a child of the calling process)."""

from __future__ import annotations

import fcntl
import os
import signal
import threading

_CWD = threading.Lock()  # starts run side by side (launching.py); chdir is process-wide


def close_inherited(keep: tuple[int, ...] = ()) -> list[tuple]:
    """posix_spawn actions closing every descriptor a child would inherit by accident (open, no FD_CLOEXEC, >= 3).

    A holder or probe that kept, say, the write end of a caller's pipe would keep that pipe open for its lifetime.
    """
    actions = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd < 3 or fd in keep:
            continue
        try:
            inherited = not fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if inherited:
            actions.append((os.POSIX_SPAWN_CLOSE, fd))
    return actions


def host_starter(spec: dict, stdout_fd: int, stderr_fd: int) -> int:
    """Start a job's ``argv`` as a plain host process (tests, and the shape the container starter follows)."""
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        env = spec.get("env") or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        with _CWD:
            try:
                if spec.get("cwd"):
                    os.chdir(spec["cwd"])
                return os.posix_spawnp(
                    spec["argv"][0], list(spec["argv"]), env,
                    file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
                                  (os.POSIX_SPAWN_DUP2, stderr_fd, 2), *close_inherited()],
                    setsid=True, setsigmask=(),
                    setsigdef=(signal.SIGPIPE, signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT),
                )
            finally:
                os.chdir("/")
    finally:
        os.close(null)
