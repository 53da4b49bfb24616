"""On-disk state helpers: crash-safe writes (temp file + fsync + rename) and advisory file locks (flock)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Iterator, TypeVar

T = TypeVar("T")


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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
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


class _Work:
    def __init__(self, work: Callable[[Any], Any]) -> None:
        self.work = work
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class SharedHold:
    """Group commit under a lock: the threads of one process that want to do a little work under the same (file)
    lock at the same time share one hold of it, instead of queueing for it one by one (each hold stretched by the
    others competing for the GIL). ``down`` releases 30 container names under the container index lock at once.
    Between processes nothing changes: every batch holds the lock while it works."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queues: dict[str, list[_Work]] = {}
        self._leaders: dict[str, threading.Lock] = {}
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:  # a forked child must not wait on its parent's threads
        self._mutex = threading.Lock()
        self._queues, self._leaders = {}, {}

    def run(self, key: str, hold: Callable[[], AbstractContextManager[Any]], work: Callable[[Any], T]) -> T:
        """``work(held)`` while ``hold()`` is held (by this thread, or by another one doing it for it too; ``held`` is
        what the hold yields, the same for the whole batch): its result. An exception of ``work`` is raised to its
        own caller only; one of ``hold`` (entering or leaving it) to every caller of the batch."""
        item = _Work(work)
        with self._mutex:
            self._queues.setdefault(key, []).append(item)
            leader = self._leaders.setdefault(key, threading.Lock())
        with leader:
            if not item.done:
                with self._mutex:
                    batch = self._queues.pop(key, [])
                _run_batch(hold, batch)
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[no-any-return]


def _run_batch(hold: Callable[[], AbstractContextManager[Any]], batch: list[_Work]) -> None:
    try:
        with hold() as held:
            for item in batch:
                try:
                    item.result = item.work(held)
                except BaseException as exc:  # noqa: BLE001 - handed to the thread that asked for it
                    item.error = exc
    except BaseException as exc:  # noqa: BLE001 - every caller of the batch raises it
        for item in batch:
            item.error = item.error or exc
    finally:
        for item in batch:
            item.done = True


class _Group:
    def __init__(self) -> None:
        self.asked = 0
        self.done = 0
        self.result: Any = None
        self.leader = threading.Lock()


class Shared:
    """One call shared by the threads of a process that ask for the same thing at the same time, keyed by a string
    (a monitor directory, a DOCKYARD_RUN). ``down`` stops and removes many containers at once: each has to poke its
    group's monitor, or make the DNS responder reload, after it wrote its change. A call made after all of them
    wrote covers them all: each caller takes a ticket, one of them (the leader) runs the call for every ticket taken
    by then, the others return its result. A call that raises covers nobody: the next waiter runs it again."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._groups: dict[str, _Group] = {}
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:  # a forked child must not wait on its parent's threads
        self._mutex = threading.Lock()
        self._groups = {}

    def run(self, key: str, call: Callable[[], Any]) -> Any:
        """``call()``, run after this caller asked (by this thread, or by another one for it too)."""
        with self._mutex:
            group = self._groups.setdefault(key, _Group())
            group.asked += 1
            ticket = group.asked
        with group.leader:
            if group.done >= ticket:
                return group.result
            with self._mutex:
                covered = group.asked
            group.result = call()
            group.done = covered
            return group.result
