"""Everything the user sees on a terminal: errors, warnings, tables, progress. The only rich importer.

rich is imported lazily, so verbs that print plain text (config, --help) do not pay for it.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, Sequence


def _use_colour(ansi: str, stream) -> bool:
    if ansi == "never" or os.environ.get("NO_COLOR"):
        return False
    if ansi == "always":
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Console:
    """Plain writes for machine-readable output; rich for tables and colour when the terminal wants them."""

    def __init__(self, ansi: str = "auto", out=None, err=None) -> None:
        self.ansi = ansi
        self.out = out or sys.stdout
        self.err = err or sys.stderr

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
