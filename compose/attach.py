"""Container output for ``logs`` and attached ``up``: a time-ordered snapshot, or a live follow that picks up
restarts, recreated containers and new replicas, and reports exits."""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compose import labels as L
from compose.observe import is_oneoff, number_of, service_of
from compose.options import LogsOptions

ACTIVE = ("running", "paused", "restarting")
REORDER_WINDOW = 0.05  # seconds a followed line is held so that lines of other containers can overtake it
EXIT_DRAIN = 2.0  # seconds an exit notice waits for the container's last lines to be read


@dataclass(frozen=True)
class Line:
    """One output line with who wrote it: ``prefix`` is ``service-n`` (the name column of attached output)."""

    prefix: str
    service: str
    container: str
    time: str
    stream: str
    text: str


@dataclass(frozen=True)
class Exited:
    """A watched container stopped (``code``), as attached ``up`` reports it."""

    prefix: str
    service: str
    container: str
    code: int


def prefix_of(info: Any) -> str:
    return f"{service_of(info)}-{number_of(info)}"


class Logs:
    """The output of a project's containers, optionally limited to ``services`` (and replica ``index``)."""

    def __init__(self, rt: Any, project: str, opts: LogsOptions = LogsOptions(), *, poll: float = 0.5) -> None:
        self.rt = rt
        self.project = project
        self.opts = opts
        self.poll = poll
        self._infos: dict[str, Any] = {}
        self._last: dict[str, str] = {}  # container id -> time of the last line seen

    def targets(self) -> list[Any]:
        infos = self.rt.containers(labels={L.PROJECT: self.project}, all=True)
        return [c for c in infos if (not self.opts.services or service_of(c) in self.opts.services)
                and (self.opts.index is None or number_of(c) == self.opts.index) and not is_oneoff(c)]

    def _line(self, raw: Any) -> Line | None:
        info = self._infos.get(raw.container) or next(
            (i for k, i in self._infos.items() if k.startswith(raw.container) or i.name == raw.container), None)
        if info is None:
            return None
        return Line(prefix_of(info), service_of(info), info.name, raw.time, raw.stream, raw.text)

    def snapshot(self) -> list[Line]:
        """Everything logged so far, merged in time order (``tail`` lines per container)."""
        infos = self.targets()
        self._infos = {c.id: c for c in infos}
        if not infos:
            return []
        raw = self.rt.logs([c.id for c in infos], follow=False, tail=self.opts.tail, since=self.opts.since,
                           until=self.opts.until)
        lines = [line for line in (self._line(r) for r in raw) if line is not None]
        return sorted(lines, key=lambda line: line.time)

    def follow(self, stop: threading.Event, *, report_exits: bool = False, end_when_all_exited: bool = False,
               tail: int | None = None) -> Iterator[Line | Exited]:
        """Lines as they come until ``stop`` is set (or, with ``end_when_all_exited``, everything stopped); lines of
        several containers are put in time order within a ``REORDER_WINDOW`` buffer."""
        out: queue.Queue = queue.Queue()
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(out, stop, done, report_exits, end_when_all_exited,
                                                             self.opts.tail if tail is None else tail), daemon=True)
        watcher.start()
        buffer = Reorder(REORDER_WINDOW)
        try:
            while not stop.is_set():
                try:
                    item = out.get(timeout=buffer.wait(time.monotonic(), 0.1))
                except queue.Empty:
                    yield from buffer.ready(time.monotonic())
                    if done.is_set() and out.empty():
                        yield from buffer.flush()
                        return
                    continue
                if item is None:
                    yield from buffer.flush()
                    return
                if isinstance(item, Exited):
                    yield from buffer.flush()
                    yield item
                    continue
                buffer.push(item, time.monotonic())
                yield from buffer.ready(time.monotonic())
        finally:
            stop.set()

    def _watch(self, out: queue.Queue, stop: threading.Event, done: threading.Event, report_exits: bool,
               end_when_all_exited: bool, tail: int | None) -> None:
        followed: dict[str, threading.Thread] = {}
        states: dict[str, str] = {}
        quiet_polls = 0
        first = True
        try:
            while not stop.is_set():
                infos = self.targets()
                for info in infos:
                    self._infos[info.id] = info
                    thread = followed.get(info.id)
                    if thread is None:
                        followed[info.id] = self._start_follower(info, out, stop, tail if first else None)
                    elif not thread.is_alive() and info.state in ACTIVE:
                        resume = self._last.get(info.id) or info.started_at or ""
                        followed[info.id] = self._start_follower(info, out, stop, None, after=resume)
                    before = states.get(info.id)
                    ran = before in ACTIVE or (before is None and info.started_at)
                    if report_exits and ran and info.state in ("exited", "dead"):
                        # the follower's stream ends with the run: its last lines go out before the exit notice
                        followed[info.id].join(EXIT_DRAIN)
                        out.put(Exited(prefix_of(info), service_of(info), info.name, info.exit_code or 0))
                    states[info.id] = info.state
                first = False
                stopped = infos and all(c.state not in ACTIVE for c in infos)
                quiet_polls = quiet_polls + 1 if stopped else 0
                if end_when_all_exited and quiet_polls >= 2:
                    stop.wait(self.poll)  # let followers flush the last lines
                    out.put(None)
                    return
                stop.wait(self.poll)
        finally:
            done.set()

    def _start_follower(self, info: Any, out: queue.Queue, stop: threading.Event, tail: int | None,
                        after: str | None = None) -> threading.Thread:
        """Follow one container; ``after``: resume past this time (a stream ended and the container came back)."""
        def run() -> None:
            since = after or self.opts.since
            try:
                for raw in self.rt.logs([info.id], follow=True, tail=None if after else tail, since=since,
                                        until=self.opts.until, stop=stop):
                    if after is not None and raw.time <= after:
                        continue
                    self._last[info.id] = raw.time
                    line = self._line(raw)
                    if line is not None:
                        out.put(line)
                    if stop.is_set():
                        return
            except Exception:  # noqa: BLE001 - a container removed while followed just ends its stream
                return

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


class Reorder:
    """A small reorder buffer: each line is held ``window`` seconds after it arrived and released in log-time
    order, so lines from several containers that arrive out of order within the window come out sorted."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._heap: list[tuple[str, int, Line]] = []
        self._arrivals: deque[tuple[float, int]] = deque()
        self._released: set[int] = set()
        self._seq = itertools.count()

    def push(self, line: Line, now: float) -> None:
        seq = next(self._seq)
        heapq.heappush(self._heap, (line.time, seq, line))
        self._arrivals.append((now, seq))

    def ready(self, now: float) -> Iterator[Line]:
        """The lines due by ``now``: while the longest-held line is past the window, release the earliest."""
        while self._arrivals:
            arrived, seq = self._arrivals[0]
            if seq in self._released:
                self._arrivals.popleft()
                self._released.discard(seq)
                continue
            if arrived > now - self.window:
                return
            _, first, line = heapq.heappop(self._heap)
            self._released.add(first)
            yield line

    def flush(self) -> Iterator[Line]:
        while self._heap:
            yield heapq.heappop(self._heap)[2]
        self._arrivals.clear()
        self._released.clear()

    def wait(self, now: float, idle: float) -> float:
        """How long to block for the next input: until the oldest held line is due, else ``idle``."""
        live = [a for a, seq in self._arrivals if seq not in self._released]
        return max(min(live) + self.window - now, 0.0) if live else idle


def parse_since(value: str | None, now: Any = None) -> Any:
    """``--since``/``--until``: RFC 3339 text (passed on), epoch seconds, or a Go duration ago (``42m``)."""
    from datetime import datetime, timedelta, timezone

    from compose.errors import ComposeError
    from compose.loader.canonical_values import parse_duration

    if not value:
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text[-1:].isalpha() and text[:1].isdigit() and "-" not in text and ":" not in text:
        try:
            seconds = parse_duration(text)
        except ComposeError:
            raise ComposeError(f"invalid time {value!r}", hint="use RFC 3339, epoch seconds or a duration like 42m") from None
        return (now or datetime.now(timezone.utc)) - timedelta(seconds=seconds)
    return text
