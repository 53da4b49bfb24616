"""The variables a project's files interpolate (``config --variables``), read from the files as written.

Same syntax as ``interpolate`` (``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:+alt}``,
``${VAR+alt}``, ``${VAR:?error}``, ``${VAR?error}``, ``$$``); operands are scanned too, so a variable used only in
another's default is listed. Nothing is expanded and nothing is required to be set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compose.loader.interpolate import _NAME, _OPERATORS, _closing_brace  # one grammar for both


@dataclass(frozen=True)
class Variable:
    """One variable: ``required`` (a ``?`` operator), its default (``-``) and alternate (``+``) values if given."""

    name: str
    required: bool = False
    default: str | None = None
    alternate: str | None = None


def extract(data: Any) -> dict[str, Variable]:
    """Every variable in the string values of ``data`` (keys are never interpolated), by name, sorted."""
    found: dict[str, Variable] = {}
    _walk(data, found)
    return dict(sorted(found.items()))


def _walk(data: Any, found: dict[str, Variable]) -> None:
    if isinstance(data, str):
        _scan(data, found)
    elif isinstance(data, dict):
        for value in data.values():
            _walk(value, found)
    elif isinstance(data, list):
        for value in data:
            _walk(value, found)


def _note(found: dict[str, Variable], name: str, required: bool = False, default: str | None = None,
          alternate: str | None = None) -> None:
    """Merge one use into what is known: required if any use requires it; the first default/alternate given."""
    old = found.get(name, Variable(name))
    found[name] = Variable(name, old.required or required,
                           old.default if old.default is not None else default,
                           old.alternate if old.alternate is not None else alternate)


def _scan(template: str, found: dict[str, Variable]) -> None:
    pos = 0
    while (dollar := template.find("$", pos)) >= 0:
        after = template[dollar + 1: dollar + 2]
        if after == "$":
            pos = dollar + 2
        elif after == "{":
            pos = _braced(template, dollar + 2, found)
        elif (match := _NAME.match(template, dollar + 1)) is not None:
            _note(found, match.group())
            pos = match.end()
        else:
            pos = dollar + 1


def _braced(template: str, start: int, found: dict[str, Variable]) -> int:
    """Note the ``${...}`` whose name starts at ``start``; return where scanning goes on (an invalid one is
    skipped: loading reports it)."""
    match = _NAME.match(template, start)
    if match is None:
        return start
    name, pos = match.group(), match.end()
    if template.startswith("}", pos):
        _note(found, name)
        return pos + 1
    operator = next((op for op in _OPERATORS if template.startswith(op, pos)), None)
    end = _closing_brace(template, pos + len(operator)) if operator else -1
    if end < 0:
        return pos
    operand = template[pos + len(operator):end]
    _note(found, name, required=operator.endswith("?"), default=operand if operator.endswith("-") else None,
          alternate=operand if operator.endswith("+") else None)
    _scan(operand, found)
    return end + 1


def table(variables: dict[str, Variable]) -> str:
    """``docker compose config --variables``' table: NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE."""
    rows = [("NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE")]
    rows += [(v.name, str(v.required).lower(), v.default or "", v.alternate or "") for v in variables.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join("   ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[3]]).rstrip() + "\n"
                   for row in rows)


def as_json(variables: dict[str, Variable]) -> dict[str, dict]:
    """``--variables --format json``: by name, compose-go's field names."""
    return {v.name: {"Name": v.name, "DefaultValue": v.default or "", "PresenceValue": v.alternate or "",
                     "Required": v.required} for v in variables.values()}
