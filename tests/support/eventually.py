"""``eventually(check)``: retry a check until it passes or a deadline passes (instead of sleeping)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.02) -> T:
    """Call ``check`` until it returns a truthy value without raising; return that value.

    On timeout, re-raise the last AssertionError/exception, or fail naming the last falsy value.
    """
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    last_value: object = None
    while True:
        try:
            value = check()
            if value:
                return value
            last_value, last_exc = value, None
        except Exception as exc:  # noqa: BLE001 - any failure of the check means "not yet"
            last_exc = exc
        if time.monotonic() >= deadline:
            if last_exc is not None:
                raise last_exc
            raise AssertionError(f"condition not met within {timeout}s (last value {last_value!r})")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)
