"""Group commit of endpoint changes: the threads of one process that change the same network record at the same
time (``up`` connects and ``down`` disconnects many containers in parallel) share one lock hold, one read and one
write, instead of queueing for the lock one by one (each hold stretched by the others competing for the GIL).

Between processes nothing changes: every batch holds the network root's lock while it reads and writes. The
sharing itself is ``runtime.state.SharedHold``; this module adds the one read and the one write per batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from runtime.network import store
from runtime.state import SharedHold

T = TypeVar("T")
Change = Callable[[dict | None], tuple[T, bool]]

_holds = SharedHold()


class _Held:
    """A batch's network record (None if the network does not exist) and whether a change touched it."""

    def __init__(self, rec: dict | None) -> None:
        self.rec = rec
        self.dirty = False


def apply(root: Path, network: str, change: Change) -> T:
    """Run ``change(record)`` (None if the network does not exist) under the root's network lock, with the
    changes other threads queued for the same network meanwhile, and write the record once if any of them
    returned ``dirty``. ``change`` returns ``(result, dirty)``; if it raises it must leave the record as it was."""

    def work(held: _Held) -> Any:
        result, changed = change(held.rec)
        held.dirty = held.dirty or changed
        return result

    return _holds.run(f"{root}\0{network}", lambda: _record(root, network), work)


@contextlib.contextmanager
def _record(root: Path, network: str) -> Iterator[_Held]:
    with store.locked(root, host=False):
        held = _Held(store.read(root, network))
        yield held
        if held.dirty and held.rec is not None:
            store.write(root, held.rec, durable=False)
