"""``--format`` Go templates, the subset scripts use with ``docker compose ps``: ``{{.Field}}``, ``{{json .}}``,
``{{json .Field}}``, ``{{upper .Field}}``, ``{{lower .Field}}``, and the ``table`` prefix (a header row, columns
aligned as docker's tabwriter aligns them). ``\\t`` and ``\\n`` written in the format are a tab and a newline, as
docker reads them. Anything else in ``{{ }}`` is an error that names it, before anything is printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from compose.errors import ComposeError

_ACTION = re.compile(r"{{-?\s*(.*?)\s*-?}}")
_HEADERS = {"ID": "CONTAINER ID", "RunningFor": "CREATED", "CreatedAt": "CREATED AT", "ExitCode": "EXIT CODE",
            "RestartCount": "RESTART COUNT", "LocalVolumes": "LOCAL VOLUMES"}
_FUNCTIONS: dict[str, Callable[[Any], str]] = {
    "json": lambda v: json.dumps(v, separators=(",", ":")),
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
}
MIN_WIDTH, PADDING = 10, 3  # docker's tabwriter: cells at least 10 wide, 3 spaces between columns


def render(fmt: str, rows: list[Mapping[str, Any]]) -> str:
    """The rows through the template (one output line per row, or a table with a header)."""
    table = fmt.startswith("table ") or fmt == "table"
    body = (fmt[len("table"):] if table else fmt).strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    actions = [_compile(m.group(1), fmt) for m in _ACTION.finditer(body)]
    literal = _ACTION.split(body)[::2]

    def one(row: Mapping[str, Any] | None) -> str:
        out = [literal[0]]
        for (name, value_of), text in zip(actions, literal[1:]):
            out.append(_HEADERS.get(name, name.upper()) if row is None else value_of(row))
            out.append(text)
        return "".join(out)

    if not table:
        return "".join(one(row) + "\n" for row in rows)
    return _aligned([one(None)] + [one(row) for row in rows])


def _compile(action: str, fmt: str) -> tuple[str, Callable[[Mapping[str, Any]], str]]:
    """(header name, function of a row) for one ``{{ action }}``."""
    words = action.split()
    func = None
    if len(words) == 2 and words[0] in _FUNCTIONS:
        func, words = _FUNCTIONS[words[0]], words[1:]
    if len(words) != 1 or not words[0].startswith("."):
        raise ComposeError(f"--format {fmt!r}: {{{{{action}}}}} is not supported",
                           hint="use {{.Field}}, {{json .}}, {{json .Field}}, {{upper .Field}} or {{lower .Field}}")
    field = words[0][1:]

    def value_of(row: Mapping[str, Any]) -> str:
        if not field:
            value: Any = dict(row)
        elif field in row:
            value = row[field]
        else:
            raise ComposeError(f"--format {fmt!r}: there is no field {field!r}",
                               hint=f"fields: {', '.join(sorted(row))}")
        return func(value) if func else _text(value)

    return field or ".", value_of


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _aligned(lines: list[str]) -> str:
    """Tab-separated cells padded into columns, per block of lines with the same number of cells."""
    rows = [line.split("\t") for line in lines]
    widths: dict[int, int] = {}
    for cells in rows:
        for i, cell in enumerate(cells[:-1]):
            widths[i] = max(widths.get(i, MIN_WIDTH), len(cell) + PADDING)
    return "".join("".join(cell.ljust(widths[i]) if i < len(cells) - 1 else cell for i, cell in enumerate(cells))
                   .rstrip() + "\n" for cells in rows)
