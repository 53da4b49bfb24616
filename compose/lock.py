"""A per-project file lock under DOCKYARD_RUN, so two dockyard commands on one project never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from compose.errors import LockError  # noqa: F401 - re-exported (the class lives in compose.errors)

DEFAULT_RUN = "/run/dockyard"
_held: dict[str, int] = {}  # projects this process already holds (the lock is re-entrant within a process)


def lock_path(project: str, run_dir: str | Path | None = None) -> Path:
    base = Path(run_dir or os.environ.get("DOCKYARD_RUN") or DEFAULT_RUN)
    return base / "locks" / f"{project}.lock"


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid else ""


@contextmanager
def project_lock(project: str, *, run_dir: str | Path | None = None, timeout: float | None = 300.0,
                 poll: float = 0.05, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the project's exclusive lock for the block; wait up to ``timeout`` seconds (None = forever).
    ``on_wait(why)`` is called once if another command holds it."""
    path = lock_path(project, run_dir)
    key = str(path)
    if _held.get(key):
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(f"project {project} is locked by another dockyard command{_holder(path)}")
                    on_wait = None
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockError(f"project {project} is locked by another dockyard command{_holder(path)}",
                                    hint=f"wait for it to finish (lock file {path})") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held[key] = 1
        try:
            yield path
        finally:
            _held.pop(key, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
