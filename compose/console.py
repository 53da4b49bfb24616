"""Everything the user sees on a terminal: errors, warnings, tables, progress. The only rich importer.

rich is imported lazily, so verbs that print plain text (config, --help) do not pay for it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any, Iterable, Sequence

# The rotation of prefix colours for container output (as docker compose cycles them).
PREFIX_COLOURS = (36, 33, 32, 35, 34, 96, 93, 92, 95, 94)


def _use_colour(ansi: str, stream) -> bool:
    if ansi == "never" or os.environ.get("NO_COLOR"):
        return False
    if ansi == "always":
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Console:
    """Plain writes for machine-readable output; rich for tables and colour when the terminal wants them."""

    def __init__(self, ansi: str = "auto", out=None, err=None, *, no_color: bool = False) -> None:
        self.ansi = "never" if no_color else ansi
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()
        self._colours: dict[str, int] = {}
        self._width = 0

    def write(self, text: str) -> None:
        """Raw output (YAML, JSON, lists): byte-for-byte what the verb produced."""
        self.out.write(text)
        if text and not text.endswith("\n"):
            self.out.write("\n")
        self.out.flush()

    def lines(self, items: Iterable[str]) -> None:
        for item in items:
            self.out.write(f"{item}\n")
        self.out.flush()

    def error(self, message: str) -> None:
        self._tagged("error", message, "red")

    def warning(self, message: str) -> None:
        self._tagged("warning", message, "yellow")

    def _tagged(self, tag: str, message: str, colour: str) -> None:
        if _use_colour(self.ansi, self.err):
            self.err.write(f"\x1b[{ {'red': 31, 'yellow': 33}[colour] }m{tag}\x1b[0m: {message}\n")
        else:
            self.err.write(f"{tag}: {message}\n")
        self.err.flush()

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A docker-style table: left-aligned columns, three spaces apart, upper-case headers."""
        widths = [len(h) for h in headers]
        for row in rows:
            widths = [max(w, len(str(c))) for w, c in zip(widths, row)]
        fmt = "   ".join(f"{{:<{w}}}" for w in widths)
        self.out.write(fmt.format(*headers).rstrip() + "\n")
        for row in rows:
            self.out.write(fmt.format(*[str(c) for c in row]).rstrip() + "\n")
        self.out.flush()

    def progress(self):
        """A rich progress display for per-layer transfers (used by pull/push)."""
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        from rich.console import Console as RichConsole

        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=RichConsole(file=self.err, force_terminal=_use_colour(self.ansi, self.err) or None),
            transient=False,
        )

    # ---- machine-readable --------------------------------------------------------------------------------
    def json(self, data: Any, *, lines: bool = False) -> None:
        """A JSON array (or one object per line with ``lines``), as ``--format json|jsonl`` print them."""
        if lines:
            self.lines(json.dumps(item, separators=(",", ":")) for item in data)
        else:
            self.write(json.dumps(data, separators=(",", ":")))

    # ---- progress events -----------------------------------------------------------------------------------
    def event(self, event: Any) -> None:
        """One progress line on stderr (``Container p-web-1  Started``); safe from worker threads."""
        colour = _use_colour(self.ansi, self.err)
        text = event.text()
        if colour:
            code = 31 if event.error else 32 if event.status in DONE_WORDS else 0
            text = f"\x1b[{code}m{text}\x1b[0m" if code else text
        with self._lock:
            self.err.write(f" {text}\n")
            self.err.flush()

    # ---- container output ----------------------------------------------------------------------------------
    def set_prefix_width(self, names: Iterable[str]) -> None:
        self._width = max([len(n) for n in names] + [self._width])

    def _prefix(self, name: str) -> str:
        padded = name.ljust(self._width)
        if not _use_colour(self.ansi, self.out):
            return f"{padded}  | "
        code = self._colours.setdefault(name, PREFIX_COLOURS[len(self._colours) % len(PREFIX_COLOURS)])
        return f"\x1b[{code}m{padded}  |\x1b[0m "

    def log_line(self, line: Any, *, prefix: bool = True, timestamps: bool = False) -> None:
        """``web-1  | text`` (coloured per container), with the RFC 3339 time in front when asked."""
        head = self._prefix(line.prefix) if prefix else ""
        stamp = f"{line.time} " if timestamps else ""
        with self._lock:
            self.out.write(f"{head}{stamp}{line.text.rstrip(chr(10))}\n")
            self.out.flush()

    def exited(self, notice: Any, *, prefix: bool = True) -> None:
        """``web-1 exited with code 3`` (in the container's colour), as docker compose reports an exit."""
        text = f"{notice.prefix} exited with code {notice.code}"
        if prefix and _use_colour(self.ansi, self.out):
            code = self._colours.setdefault(notice.prefix, PREFIX_COLOURS[len(self._colours) % len(PREFIX_COLOURS)])
            text = f"\x1b[{code}m{text}\x1b[0m"
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def notice(self, message: str) -> None:
        with self._lock:
            self.err.write(f"{message}\n")
            self.err.flush()

    # ---- build progress ------------------------------------------------------------------------------------
    def build_event(self, service: str, event: Any) -> None:
        """One line per build event on stderr, as ``--progress=plain`` shows them: ``[web 3/7] RUN make``,
        ``[web 3/7] | <output line>``, ``[web 3/7] CACHED``, ``[web 3/7] DONE 1.2s``."""
        text = build_text(service, event)
        if _use_colour(self.ansi, self.err):
            code = {"output": 2, "cached": 34, "done": 32, "image": 32}.get(event.kind)
            text = f"\x1b[{code}m{text}\x1b[0m" if code else text
        with self._lock:
            self.err.write(text + "\n")
            self.err.flush()

    def builds(self) -> "BuildProgress":
        """A context for ``dockyard build``: on a terminal a rich spinner per service shows its current step
        while step output scrolls above it; elsewhere the plain lines of ``build_event``."""
        return BuildProgress(self)

    # ---- transfer progress ---------------------------------------------------------------------------------
    def transfer(self, quiet: bool = False) -> "Transfer":
        """A context whose ``update(PullProgress)`` drives one rich bar per blob (thread-safe)."""
        return Transfer(None if quiet else self)


def build_text(service: str, event: Any) -> str:
    stage = f" {event.stage}" if event.stage and event.stage != "0" else ""  # the first unnamed stage: no label
    where = f"[{service}{stage} {event.step}/{event.steps}]" if event.steps else f"[{service}]"
    return {
        "pull": f"[{service}] pulling base image {event.text}",
        "step": f"{where} {event.text}",
        "cached": f"{where} CACHED {event.text}",
        "output": f"{where} | {event.text.rstrip(chr(10))}",
        "done": f"{where} DONE {event.seconds:.1f}s",
        "image": f"[{service}] image {event.text}",
    }.get(event.kind, f"{where} {event.kind} {event.text}")


class BuildProgress:
    """Build progress: rich (a spinner and the current step per service) on a terminal, plain lines otherwise."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> "BuildProgress":
        if _use_colour(self._console.ansi, self._console.err):
            from rich.console import Console as RichConsole
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                                      TimeElapsedColumn(), transient=True,
                                      console=RichConsole(file=self._console.err, force_terminal=True))
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def step(self, service: str, event: Any) -> None:
        """A BuildEvent of ``service``'s build."""
        if self._progress is None:
            self._console.build_event(service, event)
            return
        text = build_text(service, event)
        if event.kind == "step":
            if service not in self._tasks:
                self._tasks[service] = self._progress.add_task(text, total=None)
            self._progress.update(self._tasks[service], description=text)
            return
        if event.kind == "image" and service in self._tasks:
            self._progress.remove_task(self._tasks.pop(service))
        style = {"output": "dim", "cached": "blue", "done": "green", "image": "green"}.get(event.kind)
        self._progress.console.print(text, style=style, markup=False, highlight=False)

    def event(self, event: Any) -> None:
        """A service-level event (``Image web  Built``), printed above the spinners."""
        if self._progress is None:
            self._console.event(event)
        else:
            self._progress.console.print(f" {event.text()}", style="red" if event.error else None, markup=False,
                                         highlight=False)


class Transfer:
    """Per-blob progress bars for pull/push; a no-op when quiet."""

    def __init__(self, console: Console | None) -> None:
        self._console = console
        self._progress = None
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> "Transfer":
        if self._console is not None:
            self._progress = self._console.progress()
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, report: Any) -> None:
        if self._progress is None or not hasattr(report, "digest"):
            return
        key = report.digest
        label = f"{key.split(':', 1)[-1][:12]} {report.phase}"
        with self._lock:
            if key not in self._tasks:
                self._tasks[key] = self._progress.add_task(label, total=report.total or None)
            task = self._tasks[key]
        done = report.phase in ("exists", "done", "mounted", "uploaded")
        total = report.total or None
        self._progress.update(task, description=label, completed=(total or report.current) if done else report.current,
                              total=total)


DONE_WORDS = frozenset({"Created", "Started", "Running", "Healthy", "Stopped", "Removed", "Recreated", "Pulled",
                        "Pushed", "Built", "Killed", "Paused", "Unpaused", "Restarted", "Exited"})
