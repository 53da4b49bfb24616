"""Waiting for host links to go away, with one link-notification subscription per process.

``down`` releases many containers at once and each thread waits for its veths to vanish with their namespace. One
subscription shared by all of them means each notification is read once, by whichever waiter is the reader at the
time, instead of once per waiting thread. Notifications only wake the waiters: each looks its links up again by name
(``if_nametoindex``), so nothing is decoded and pyroute2 is not loaded by a wait. The subscription itself is made by
``bridge``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol


class Subscription(Protocol):
    def read(self, timeout: float) -> int:
        """How many link notifications arrived within ``timeout`` (0 if none); raises OSError if some were lost
        (the kernel's queue overflowed)."""

    def close(self) -> None: ...


class LinkWatch:
    """Threads in ``wait_gone`` share one subscription, opened by the first and closed by the last."""

    def __init__(self, subscribe: Callable[[], Subscription]) -> None:
        self._subscribe = subscribe
        self._cond = threading.Condition()
        self._sub: Subscription | None = None
        self._users = 0
        self._reading = False
        self._changes = 0  # reads that saw notifications (or lost some): every waiter looks its links up again

    def wait_gone(self, names: Iterable[str], timeout: float, exists: Callable[[str], bool]) -> list[str]:
        """Wait until none of ``names`` exists; returns those still there after ``timeout``."""
        deadline = time.monotonic() + timeout
        seen = self._join()
        try:
            left = {n for n in names if exists(n)}  # subscribed first: no removal is missed
            while left:
                with self._cond:
                    changed, seen = self._changes != seen, self._changes
                    remaining = deadline - time.monotonic()
                    if not changed:
                        if remaining <= 0:
                            break
                        if self._reading:
                            self._cond.wait(remaining)
                            continue
                        self._reading = True
                if changed:
                    left = {n for n in left if exists(n)}
                else:
                    self._read(remaining)
        finally:
            self._leave()
        return sorted(left)

    def _read(self, timeout: float) -> None:
        """As the reader: wait up to ``timeout`` for notifications and wake every waiter."""
        arrived = 0
        try:
            assert self._sub is not None  # held open by this waiter
            arrived = self._sub.read(timeout)
        except OSError:
            arrived = 1  # some were lost: look again all the same
        finally:
            with self._cond:
                self._changes += arrived > 0
                self._reading = False
                self._cond.notify_all()

    def _join(self) -> int:
        with self._cond:
            if self._sub is None:
                self._sub = self._subscribe()
            self._users += 1
            return self._changes

    def _leave(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users == 0 and self._sub is not None:
                sub, self._sub = self._sub, None
                sub.close()
