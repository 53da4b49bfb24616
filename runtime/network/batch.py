"""Group commit of endpoint changes: the threads of one process that change the same network record at the same
time (``up`` connects and ``down`` disconnects many containers in parallel) share one lock hold, one read and one
write, instead of queueing for the lock one by one (each hold stretched by the others competing for the GIL).

Between processes nothing changes: every batch holds the network root's lock while it reads and writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from runtime.network import store

T = TypeVar("T")
Change = Callable[[dict | None], tuple[T, bool]]


class _Item:
    def __init__(self, change: Change) -> None:
        self.change = change
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


_mutex = threading.Lock()
_queues: dict[tuple[str, str], list[_Item]] = {}
_leaders: dict[tuple[str, str], threading.Lock] = {}


def apply(root: Path, network: str, change: Change) -> T:
    """Run ``change(record)`` (None if the network does not exist) under the root's network lock, with the
    changes other threads queued for the same network meanwhile, and write the record once if any of them
    returned ``dirty``. ``change`` returns ``(result, dirty)``; if it raises it must leave the record as it was."""
    key = (str(root), network)
    item = _Item(change)
    with _mutex:
        _queues.setdefault(key, []).append(item)
        leader = _leaders.setdefault(key, threading.Lock())
    with leader:
        if not item.done:
            with _mutex:
                batch = _queues.pop(key, [])
            _run(root, network, batch)
    if item.error is not None:
        raise item.error
    return item.result  # type: ignore[no-any-return]


def _run(root: Path, network: str, batch: list[_Item]) -> None:
    try:
        with store.locked(root, host=False):
            rec = store.read(root, network)
            dirty = False
            for item in batch:
                try:
                    item.result, changed = item.change(rec)
                    dirty = dirty or changed
                except BaseException as exc:  # handed to the thread that asked for it
                    item.error = exc
            if dirty and rec is not None:
                store.write(root, rec, durable=False)
    except BaseException as exc:
        for item in batch:
            if item.error is None:
                item.error = exc
    finally:
        for item in batch:
            item.done = True
