"""One call shared by the threads of a process that ask for the same thing at the same time.

``down`` stops and removes many containers of one group in parallel; each has to poke the group's monitor after it
wrote its request. A poke sent after all of them wrote covers them all, so they share it: each caller takes a ticket,
one of them (the leader) runs the call for every ticket taken by then, the others return its result. A call that
raises covers nobody: the next waiter runs it again for itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any


class _Group:
    def __init__(self) -> None:
        self.asked = 0
        self.done = 0
        self.result: Any = None
        self.leader = threading.Lock()


class Shared:
    """Calls keyed by a string (e.g. a monitor directory); see the module docstring."""

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
