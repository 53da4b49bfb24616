"""Starting containers without blocking the monitor's loop: each start runs its starter in a short thread.

A start spends most of its time waiting for the container's child to build its rootfs and exec (measured here:
~25 ms of a ~35 ms start); done one at a time that wait made 30 starts take 30 x 35 ms. Here the loop hands the
start to a thread and goes on (logs, exits, other starts); the thread posts the outcome and writes ``S`` to the
loop's wakeup pipe. The container is still a child of the monitor process (a child forked by any thread of a
process can be reaped by any other), so ``waitpid`` in the loop reaps it as before.

At most ``LIMIT`` starters run at once. Starters must be safe to run side by side (the container starter and the
host starter are: the launcher forks from threads by design, and the host starter serialises its ``chdir``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import NamedTuple

LIMIT = 8
WAKE = b"S"


class Outcome(NamedTuple):
    """What a start ended with: the starter's result (pid, or (pid, pty master)), or the error text."""

    name: str
    result: object
    error: str | None


class Launches:
    """Starts in flight, and the outcomes the loop has not collected yet."""

    def __init__(self, wake_fd: int) -> None:
        self.wake_fd = wake_fd
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(LIMIT)
        self.done: list[Outcome] = []
        self.threads: dict[str, threading.Thread] = {}

    def submit(self, name: str, starter: Callable, spec: dict, stdout_fd: int, stderr_fd: int) -> None:
        """Run ``starter(spec, stdout_fd, stderr_fd)`` in a thread; its outcome is posted for ``collect``."""
        thread = threading.Thread(target=self._run, args=(name, starter, spec, stdout_fd, stderr_fd), daemon=True,
                                  name=f"start-{name[:12]}")
        self.threads[name] = thread
        thread.start()

    def _run(self, name: str, starter: Callable, spec: dict, stdout_fd: int, stderr_fd: int) -> None:
        result, error = None, None
        with self.slots:
            try:
                result = starter(spec, stdout_fd, stderr_fd)
            except Exception as exc:  # noqa: BLE001 - a failed start is recorded by the loop
                error = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.done.append(Outcome(name, result, error))
        try:
            os.write(self.wake_fd, WAKE)
        except BlockingIOError:  # the pipe is full: the loop wakes anyway and collects every outcome
            pass

    def collect(self) -> list[Outcome]:
        """Outcomes posted since the last call (the loop's thread only)."""
        with self.lock:
            done, self.done = self.done, []
        for outcome in done:
            thread = self.threads.pop(outcome.name, None)
            if thread is not None:
                thread.join()
        return done

    def in_flight(self) -> bool:
        return bool(self.threads)

    def wait_all(self) -> list[Outcome]:
        """Wait for every start in flight (before the monitor exits) and return their outcomes."""
        for thread in list(self.threads.values()):
            thread.join()
        return self.collect()
