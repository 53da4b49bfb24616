"""``${VAR}`` substitution in compose values, with compose-go's rules.

Syntax: ``$VAR`` and ``${VAR}`` (names ``[A-Za-z_][A-Za-z0-9_]*``), ``$$`` for a literal ``$``, and inside braces
``:-``/``-`` (default when unset-or-empty / unset), ``:+``/``+`` (alternative when set-and-non-empty / set),
``:?``/``?`` (error when unset-or-empty / unset).  The operand runs to the matching ``}`` and may itself hold
``${...}`` expressions and braces (``${A:-{"json":1}}``); it is expanded only when it is used.  A ``$`` that starts no
expression (``a $ b``, ``$}``, ``^x$``) stays as it is; ``${`` with no valid name (``${}``, ``${ x}``, ``${x!}``) is an
``InterpolationError`` ("Invalid template").  An unset variable with no operator becomes the empty string.

``interpolate`` applies this to every string value (never to keys) of loaded data, keeping every other type.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from compose.errors import InterpolationError
from compose.loader.document import Marks, Override, Reset, TreePath, locate

Lookup = Callable[[str], "str | None"]
Warn = Callable[[str], None]

__all__ = ["substitute", "interpolate", "Lookup"]

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_OPERATORS = (":-", ":+", ":?", "-", "+", "?")
_INVALID_HINT = "write $$ for a literal $, and ${NAME} with a name of letters, digits and _"


class _RequiredMissing(Exception):
    """A ``?`` / ``:?`` operator found its variable missing."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name)
        self.name = name
        self.message = message


class _InvalidTemplate(Exception):
    pass


class _Substituter:
    def __init__(self, lookup: Lookup, warn: Warn | None) -> None:
        self.lookup = lookup
        self.warn = warn

    def run(self, template: str) -> str:
        out: list[str] = []
        pos = 0
        while True:
            dollar = template.find("$", pos)
            if dollar < 0:
                out.append(template[pos:])
                return "".join(out)
            out.append(template[pos:dollar])
            after = template[dollar + 1 : dollar + 2]
            if after == "$":
                out.append("$")
                pos = dollar + 2
            elif after == "{":
                value, pos = self.braced(template, dollar + 2)
                out.append(value)
            elif (match := _NAME.match(template, dollar + 1)) is not None:
                out.append(self.value(match.group()))
                pos = match.end()
            else:
                out.append("$")
                pos = dollar + 1

    def value(self, name: str) -> str:
        value = self.lookup(name)
        if value is None:
            if self.warn is not None:
                self.warn(name)
            return ""
        return value

    def braced(self, template: str, start: int) -> tuple[str, int]:
        """Expand the ``${...}`` whose name starts at ``start``; return the text and the index after ``}``."""
        match = _NAME.match(template, start)
        if match is None:
            raise _InvalidTemplate()
        name, pos = match.group(), match.end()
        if template.startswith("}", pos):
            return self.value(name), pos + 1
        operator = next((op for op in _OPERATORS if template.startswith(op, pos)), None)
        if operator is None:
            raise _InvalidTemplate()
        operand_start = pos + len(operator)
        end = _closing_brace(template, operand_start)
        if end < 0:
            raise _InvalidTemplate()
        return self.apply(name, operator, template[operand_start:end]), end + 1

    def apply(self, name: str, operator: str, operand: str) -> str:
        value = self.lookup(name)
        present = value is not None and (value != "" or not operator.startswith(":"))
        if operator.endswith("-"):
            return value if present else self.run(operand)  # type: ignore[return-value]
        if operator.endswith("+"):
            return self.run(operand) if present else (value or "")
        if not present:
            raise _RequiredMissing(name, self.run(operand))
        return value  # type: ignore[return-value]


def _closing_brace(template: str, start: int) -> int:
    """Index of the ``}`` closing an operand that starts at ``start`` (nested braces balanced); -1 if none."""
    depth = 0
    for index in range(start, len(template)):
        char = template[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
    return template.find("}", start)  # unbalanced operand: the first } closes it, as compose-go's pattern does


def substitute(template: str, lookup: Lookup, *, warn: Warn | None = None) -> str:
    """``template`` with every ``$`` expression expanded through ``lookup`` (None means unset).

    ``warn(name)`` is called for each unset variable that defaults to the empty string.  Raises
    ``InterpolationError`` for an invalid expression or a missing required variable.
    """
    if "$" not in template:
        return template
    try:
        return _Substituter(lookup, warn).run(template)
    except _InvalidTemplate:
        raise InterpolationError(f"Invalid template: {template!r}", hint=_INVALID_HINT) from None
    except _RequiredMissing as missing:
        text = f"required variable {missing.name} is missing a value"
        if missing.message:
            raise InterpolationError(f"{text}: {missing.message}") from None
        raise InterpolationError(text, hint=f"set {missing.name} in the environment or .env") from None


def interpolate(data: Any, marks: Marks, lookup: Lookup, *, warn: Warn | None = None) -> Any:
    """A copy of ``data`` with every string value substituted; keys and non-string values stay as they are.

    Errors carry the value's tree path and its file:line:column from ``marks``.
    """
    return _walk(data, (), marks, lookup, warn)


def _walk(data: Any, path: TreePath, marks: Marks, lookup: Lookup, warn: Warn | None) -> Any:
    if isinstance(data, str):
        try:
            return substitute(data, lookup, warn=warn)
        except InterpolationError as exc:
            raise InterpolationError(exc.message, path=path, mark=locate(marks, path), hint=exc.hint) from None
    if isinstance(data, dict):
        return {key: _walk(value, path + (key,), marks, lookup, warn) for key, value in data.items()}
    if isinstance(data, list):
        return [_walk(item, path + (index,), marks, lookup, warn) for index, item in enumerate(data)]
    if isinstance(data, (Reset, Override)):
        return type(data)(_walk(data.value, path, marks, lookup, warn))
    return data
