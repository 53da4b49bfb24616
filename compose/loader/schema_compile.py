"""A fast yes/no check for the JSON-schema subset ``schemas/compose-spec.json`` uses.

jsonschema walks a 500-service file in about half a second; these compiled closures answer "valid or not" in a few
hundredths.  Only the verdict comes from here: when it is "not valid", ``schema`` asks jsonschema for the errors
and words the message.  Keywords outside the subset raise ``ValueError`` at compile time, so a schema edit cannot
silently weaken the check; a test compares the verdicts of both on the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_IGNORED = {"$schema", "$id", "$defs", "title", "description", "deprecated", "default"}
_HANDLED = {"type", "properties", "patternProperties", "additionalProperties", "items", "uniqueItems", "required",
            "enum", "const", "pattern", "minimum", "maximum", "anyOf", "$ref"}


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function telling whether an instance is valid against ``schema`` (a self-contained, non-recursive schema)."""
    defs = schema.get("$defs", {})
    cache: dict[str, Check] = {}

    def build(node: dict[str, Any]) -> Check:
        unknown = set(node) - _IGNORED - _HANDLED
        if unknown:
            raise ValueError(f"schema keyword(s) not supported by the fast check: {sorted(unknown)}")
        checks: list[Check] = []
        if "$ref" in node:
            checks.append(ref(node["$ref"]))
        if "type" in node:
            checks.append(_type_check(node["type"]))
        if "anyOf" in node:
            branches = [build(b) for b in node["anyOf"]]
            checks.append(lambda v: any(b(v) for b in branches))
        checks.extend(_scalar_checks(node))
        if _has_object_keywords(node):
            checks.append(_object_check(node, build))
        if "items" in node or node.get("uniqueItems"):
            checks.append(_array_check(node, build))
        return _all_of(checks)

    def ref(target: str) -> Check:
        name = target.removeprefix("#/$defs/")
        if name == target or name not in defs:
            raise ValueError(f"unsupported $ref {target!r}")
        if name not in cache:
            cache[name] = build(defs[name])
        return cache[name]

    return build(schema)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
}


def _type_check(kinds: str | list[str]) -> Check:
    tests = [_TYPES[k] for k in ([kinds] if isinstance(kinds, str) else kinds)]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _scalar_checks(node: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "enum" in node:
        choices = node["enum"]
        checks.append(lambda v: any(same(v, c) for c in choices))
    if "const" in node:
        value = node["const"]
        checks.append(lambda v: same(v, value))
    if "pattern" in node:
        regex = re.compile(node["pattern"])
        checks.append(lambda v: not isinstance(v, str) or regex.search(v) is not None)
    if "minimum" in node:
        low = node["minimum"]
        checks.append(lambda v: not _is_number(v) or v >= low)
    if "maximum" in node:
        high = node["maximum"]
        checks.append(lambda v: not _is_number(v) or v <= high)
    return checks


def _has_object_keywords(node: dict[str, Any]) -> bool:
    return any(k in node for k in ("properties", "patternProperties", "additionalProperties", "required"))


def _object_check(node: dict[str, Any], build: Callable[[dict[str, Any]], Check]) -> Check:
    props = {k: build(v) for k, v in node.get("properties", {}).items()}
    patterns = [(re.compile(p), build(s)) for p, s in node.get("patternProperties", {}).items()]
    extra = node.get("additionalProperties", True)
    if extra not in (True, False):
        raise ValueError("additionalProperties must be true or false for the fast check")
    required = list(node.get("required", []))

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key in required:
            if key not in v:
                return False
        for key, value in v.items():
            known = key in props
            if known and not props[key](value):
                return False
            for regex, sub in patterns:
                if regex.search(key):
                    known = True
                    if not sub(value):
                        return False
            if not known and not extra:
                return False
        return True

    return check


def _array_check(node: dict[str, Any], build: Callable[[dict[str, Any]], Check]) -> Check:
    item = build(node["items"]) if "items" in node else None
    unique = bool(node.get("uniqueItems"))

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        if item is not None and not all(item(x) for x in v):
            return False
        return not unique or _all_distinct(v)

    return check


def _all_distinct(items: list[Any]) -> bool:
    if all(isinstance(x, str) for x in items):
        return len(set(items)) == len(items)
    return not any(same(a, b) for i, a in enumerate(items) for b in items[i + 1:])


def same(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 == 1.0, containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b
