"""Loaded YAML documents: plain data plus where each node came from.

Every stage of the loader works on plain Python data (dict, list, str, int, float, bool, None) and carries a
``Marks`` table beside it: tree path -> position in the source file.  A tree path is a tuple of keys and list
indexes, e.g. ``("services", "web", "ports", 0)``.  ``locate`` finds the nearest known position for a path, so a
stage that rewrote a subtree can still point at the file.

The ``!reset`` and ``!override`` YAML tags survive reading as ``Reset``/``Override`` wrappers; the merge stage
consumes them, so no later stage ever sees one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime import record

TreePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


Marks = dict[TreePath, Mark]


@record(slots=True)
class Reset:
    """A node tagged ``!reset``: remove the inherited value (or set it empty)."""

    value: Any = None


@record(slots=True)
class Override:
    """A node tagged ``!override``: replace the inherited value instead of merging."""

    value: Any = None


@dataclass(slots=True)
class Document:
    """One YAML document of one file."""

    filename: str
    data: Any
    marks: Marks = field(default_factory=dict)


def path_str(path: TreePath) -> str:
    """``("services", "web", "ports", 0)`` -> ``services.web.ports[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def locate(marks: Marks, path: TreePath) -> Mark | None:
    """The mark of ``path``, else of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        mark = marks.get(tuple(path[:end]))
        if mark is not None:
            return mark
    return None


def rebase(marks: Marks, old: TreePath, new: TreePath) -> Marks:
    """Marks under ``old`` re-keyed under ``new`` (for stages that move a subtree)."""
    n = len(old)
    return {new + key[n:]: mark for key, mark in marks.items() if key[:n] == old}
