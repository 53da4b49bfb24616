"""Plain YAML scalars as yaml.v3 (Docker Compose's reader) resolves them: YAML 1.2 core schema plus ``0777`` octal.

No base-60, no ``yes``/``on`` booleans; ``_`` separators ignored in numbers; Go's int64/uint64 ranges.
"""

from __future__ import annotations

import math
import re
from typing import Any

_STR = "tag:yaml.org,2002:str"

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {
    **{s: math.inf for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: -math.inf for s in ("-.inf", "-.Inf", "-.INF")},
    **{s: math.nan for s in (".nan", ".NaN", ".NAN")},
}
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INT_FORMS = (
    (re.compile(r"0[xX]([0-9a-fA-F]+)\Z"), 16),
    (re.compile(r"0[oO]([0-7]+)\Z"), 8),
    (re.compile(r"0[bB]([01]+)\Z"), 2),
    (re.compile(r"0([0-7]+)\Z"), 8),
    (re.compile(r"([1-9][0-9]*|0)\Z"), 10),
)
_INT64 = 1 << 63
_UINT64 = 1 << 64


def _go_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)`` falling back to ``ParseUint``; None when neither accepts it."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    for pattern, base in _INT_FORMS:
        match = pattern.match(body)
        if match:
            value = int(match.group(1), base) * (-1 if sign == "-" else 1)
            if -_INT64 <= value < _INT64 or (sign == "" and 0 <= value < _UINT64):
                return value
            return None
    return None


def scalar_value(text: str) -> Any:
    """The value of an untagged plain scalar, as yaml.v3 resolves it (YAML 1.2 core, plus ``0777`` octal)."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    first = text[0]
    if first == ".":
        return _float_or_text(text, text)
    if first in "+-0123456789":
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return number
        return _float_or_text(plain, text)
    return text


def _float_or_text(candidate: str, text: str) -> Any:
    if _FLOAT.match(candidate):
        value = float(candidate)
        if not math.isinf(value):  # Go's ParseFloat fails on overflow: the scalar stays a string
            return value
    return text


def tagged_scalar(tag: str, text: str) -> Any:
    """A scalar with an explicit core tag (``!!str 12``, ``!!int "12"``...); raises ValueError when it does not fit."""
    if tag == _STR:
        return text
    resolved = scalar_value(text) if text else None
    if tag == "tag:yaml.org,2002:null" and resolved is None:
        return None
    if tag == "tag:yaml.org,2002:bool" and isinstance(resolved, bool):
        return resolved
    if tag == "tag:yaml.org,2002:int" and type(resolved) is int:
        return resolved
    if tag == "tag:yaml.org,2002:float" and type(resolved) in (int, float):
        return float(resolved)
    if tag == "tag:yaml.org,2002:timestamp":
        return text
    raise ValueError(f"cannot read {text!r} as {tag.rsplit(':', 1)[-1]}")
