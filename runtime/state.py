"""On-disk state helpers: crash-safe writes (temp file + fsync + rename) and advisory file locks (flock)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from pathlib import Path
from typing import Iterator


def atomic_write(path: Path, data: bytes, mode: int = 0o644, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see either the old or the new content, even after a crash.

    ``durable=False`` skips the fsyncs: still all-or-nothing for readers and after a kill, but a power loss may
    bring back the previous content (for facts that do not outlive a reboot anyway: what runs, its addresses)."""
    path = Path(path)
    tmp = durable_temp(path, data, mode, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def durable_temp(path: Path, data: bytes, mode: int = 0o644, durable: bool = True) -> Path:
    """``data`` written and fsynced to a hidden temp file beside ``path``, ready to be renamed onto it (the slow
    part of ``atomic_write``, which a caller can do before it takes a lock and then only rename under it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        discard(tmp)
        raise
    return tmp


def discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False, blocking: bool = True) -> Iterator[None]:
    """Hold an flock on ``path`` (created if missing) for the duration of the block.

    Locks are per open file, so they exclude other threads of this process as well as other processes.
    With ``blocking=False`` a held lock raises BlockingIOError instead of waiting.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if blocking else fcntl.LOCK_NB))
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
