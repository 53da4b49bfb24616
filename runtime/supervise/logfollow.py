"""Following logs (``logs -f``): one container or many, across rotation, restarts (the file re-created or
appended) and, for many, containers that appear while following (new replicas)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from runtime.supervise.logread import (
    decode_chunk,
    log_files,
    merge_logs,
    read_chunks,
    read_logs_file,
    select,
)
from runtime.supervise.logs import LogEntry


class Follower:
    """Follows one container's log file. ``backlog()`` once, then ``poll()`` whenever you like."""

    def __init__(self, path: str | os.PathLike, *, tail: int | None = None, since: object = None) -> None:
        self.path = os.fspath(path)
        self.tail, self.since = tail, since
        self.fh = None
        self.ino = -1
        self.carry = b""

    def backlog(self) -> Iterator[LogEntry]:
        """What is already written (as selected by tail/since); the follower then stands at its end."""
        segments = select(self.path, tail=self.tail, since=self.since)
        for chunk in read_chunks(segments):
            yield from decode_chunk(chunk)
        live = [s for s in segments if s.path == self.path]
        self._attach(live[-1].end if live else _size(self.path) if not segments else 0)

    def poll(self) -> list[LogEntry]:
        """Entries written since the last call (complete lines only)."""
        if self.fh is None and not self._attach(0):
            return []
        entries = self._read()
        if self._replaced():  # rotated, or re-created by a restart: finish the old file, then the new ones
            entries += self._read()
            for name in _newer_rotated(self.path, self.ino):
                entries += list(read_logs_file(name))
            self._attach(0)
            entries += self._read()
        return entries

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def _attach(self, offset: int) -> bool:
        try:
            fh = open(self.path, "rb")
        except FileNotFoundError:
            return False
        self.close()
        self.fh, self.ino, self.carry = fh, os.fstat(fh.fileno()).st_ino, b""
        fh.seek(offset)
        return True

    def _read(self) -> list[LogEntry]:
        if os.fstat(self.fh.fileno()).st_size < self.fh.tell():  # truncated in place (max-file 1)
            self.fh.seek(0)
            self.carry = b""
        data = self.carry + self.fh.read()
        cut = data.rfind(b"\n") + 1
        self.carry = data[cut:]
        return decode_chunk(data[:cut]) if cut else []

    def _replaced(self) -> bool:
        try:
            return os.stat(self.path).st_ino != self.ino
        except FileNotFoundError:
            return False


def follow_logs(path: str | os.PathLike, alive: Callable[[], bool], *, tail: int | None = None,
                since: object = None, poll: float = 0.1, sleep: Callable[[float], None] = time.sleep
                ) -> Iterator[LogEntry]:
    """Entries so far, then new ones as they are written, across rotation and container restarts.

    Stops once ``alive()`` is false and everything written has been yielded. The file may not exist yet.
    """
    follower = Follower(path, tail=tail, since=since)
    try:
        yield from follower.backlog()
        while True:
            running = alive()
            entries = follower.poll()
            yield from entries
            if not entries:
                if not running:
                    return
                sleep(poll)
    finally:
        follower.close()


def follow_many(sources: Callable[[], dict[str, str]], alive: Callable[[], bool], *, tail: int | None = None,
                since: object = None, poll: float = 0.1, sleep: Callable[[float], None] = time.sleep
                ) -> Iterator[tuple[str, LogEntry]]:
    """Several containers: the backlogs merged in time order, then new entries (time-ordered per poll).

    ``sources()`` is asked on every poll, so containers that appear later (new replicas) are followed from their
    first line. Stops once ``alive()`` (any of them still running?) is false and all is yielded.
    """
    followers: dict[str, Follower] = {}
    try:
        first = {name: Follower(path, tail=tail, since=since) for name, path in sources().items()}
        followers.update(first)
        yield from merge_logs({name: f.backlog() for name, f in first.items()})
        while True:
            running = alive()
            batch = _new_sources(sources(), followers)
            for name, follower in followers.items():
                batch += [(name, e) for e in follower.poll()]
            batch.sort(key=lambda item: item[1].time)
            yield from batch
            if not batch:
                if not running:
                    return
                sleep(poll)
    finally:
        for follower in followers.values():
            follower.close()


def _new_sources(current: dict[str, str], followers: dict[str, Follower]) -> list[tuple[str, LogEntry]]:
    out = []
    for name, path in current.items():
        if name not in followers:
            followers[name] = Follower(path)
            out += [(name, e) for e in followers[name].backlog()]
    return out


def _newer_rotated(base: str, ino: int) -> list[str]:
    """Rotated files written after the one with inode ``ino`` (several rotations between two polls)."""
    files = log_files(base)[:-1] if os.path.exists(base) else log_files(base)
    inodes = [os.stat(name).st_ino for name in files]
    return files[inodes.index(ino) + 1:] if ino in inodes else []


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
