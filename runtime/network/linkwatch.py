"""Waiting for host links to go away, with one link-notification subscription per process.

``down`` releases many containers at once and each thread waits for its veths to vanish with their namespace. One
subscription shared by all of them means each notification is read and decoded once, by whichever waiter is the
reader at the time, instead of once per waiting thread. The subscription itself (pyroute2) is made by ``bridge``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol


class Subscription(Protocol):
    def read(self, timeout: float) -> list[tuple[bool, str]]:
        """(removed, link name) of the link notifications that arrive within ``timeout`` ([] if none); raises
        OSError if some were lost (the kernel's queue overflowed)."""

    def close(self) -> None: ...


class LinkWatch:
    """Threads in ``wait_gone`` share one subscription, opened by the first and closed by the last."""

    def __init__(self, subscribe: Callable[[], Subscription]) -> None:
        self._subscribe = subscribe
        self._cond = threading.Condition()
        self._sub: Subscription | None = None
        self._users = 0
        self._reading = False
        self._removed: set[str] = set()  # names whose latest notification while subscribed was a removal
        self._losses = 0

    def wait_gone(self, names: Iterable[str], timeout: float, exists: Callable[[str], bool]) -> list[str]:
        """Wait until none of ``names`` exists; returns those still there after ``timeout``."""
        deadline = time.monotonic() + timeout
        losses = self._join()
        try:
            left = {n for n in names if exists(n)}  # subscribed first: no removal is missed
            while True:
                with self._cond:
                    left -= self._removed
                    recheck, losses = self._losses != losses, self._losses
                    remaining = deadline - time.monotonic()
                    if not recheck and (not left or remaining <= 0):
                        break
                    reader = not recheck and not self._reading
                    if reader:
                        self._reading = True
                    elif not recheck:
                        self._cond.wait(remaining)
                        continue
                if recheck:  # notifications were lost: look again
                    left = {n for n in left if exists(n)}
                else:
                    self._read(remaining)
        finally:
            self._leave()
        return sorted(left)

    def _read(self, timeout: float) -> None:
        """As the reader: take the notifications that arrive within ``timeout`` and wake every waiter."""
        events: list[tuple[bool, str]] = []
        lost = False
        try:
            assert self._sub is not None  # held open by this waiter
            events = self._sub.read(timeout)
        except OSError:
            lost = True
        finally:
            with self._cond:
                for removed, name in events:
                    (self._removed.add if removed else self._removed.discard)(name)
                self._losses += lost
                self._reading = False
                self._cond.notify_all()

    def _join(self) -> int:
        with self._cond:
            if self._sub is None:
                self._sub = self._subscribe()
                self._removed.clear()
            self._users += 1
            return self._losses

    def _leave(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users == 0 and self._sub is not None:
                sub, self._sub = self._sub, None
                sub.close()
