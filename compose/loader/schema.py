"""Schema stage: check a merged, interpolated compose document against ``schemas/compose-spec.json``.

The only module that imports jsonschema (lazily, so CLI start-up does not pay for it).  On failure it raises one
``SchemaError`` for the first problem in file order, located through the marks table, with a message and a fix hint
(``services.web: additional property 'imagee' is not allowed: did you mean 'image'?``).

Besides the JSON schema, which accepts exactly what the reference implementation's schema accepts, one check the
reference makes while loading is done here because its message belongs here: short-syntax port strings.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from pathlib import Path
from typing import Any

import compose
from compose.errors import SchemaError
from compose.loader.document import Marks, TreePath, locate
from compose.loader.schema_compile import Check, compile_schema

SCHEMA_PATH = Path(compose.__file__).resolve().parents[1] / "schemas" / "compose-spec.json"

_YAML_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "null": "null",
}
_NAMED_MAPS = {
    "services": "service",
    "volumes": "volume",
    "networks": "network",
    "secrets": "secret",
    "configs": "config",
    "models": "model",
    "depends_on": "service",
}
_PORT_HINT = "use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. '127.0.0.1:8080:80/tcp' or '8000-8010:8000-8010'"
_PORT_NUMBER = re.compile(r"^\d+(?:-\d+)?$")
_PROTOCOLS = ("tcp", "udp", "sctp")


@functools.cache
def schema_document() -> dict[str, Any]:
    """The project's compose schema, parsed (read once)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _fast_check() -> Check:
    """The yes/no check, compiled once on first use."""
    return compile_schema(schema_document())


@functools.cache
def _validator() -> Any:
    """The jsonschema validator, built only when a document fails and its errors need words."""
    import jsonschema

    schema = schema_document()
    return jsonschema.validators.validator_for(schema)(schema)


def validate(data: Any, marks: Marks) -> None:
    """Raise ``SchemaError`` for the first place ``data`` breaks the Compose schema; return None if it is valid."""
    _check_keys(data, (), marks)
    if not _fast_check()(data):
        errors = list(_validator().iter_errors(data))
        if errors:
            raise _describe(_first(errors, marks), marks)
    _check_ports(data, marks)


def is_valid(data: Any) -> bool:
    """True if ``data`` passes the schema (no marks, no message: for callers that only need the verdict)."""
    try:
        validate(data, {})
    except SchemaError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- key types


def _keys_are_strings(node: Any) -> bool:
    if isinstance(node, dict):
        return all(isinstance(k, str) and _keys_are_strings(v) for k, v in node.items())
    if isinstance(node, list):
        return all(_keys_are_strings(v) for v in node)
    return True


def _check_keys(node: Any, path: TreePath, marks: Marks) -> None:
    """Compose keys are strings: YAML keys such as ``123:`` or ``true:`` are rejected, as the reference does."""
    if not path and _keys_are_strings(node):
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise SchemaError(
                    f"non-string key {key!r}" + ("" if path else " at the top level"),
                    path=path,
                    mark=locate(marks, path + (key,)),
                    hint=f"quote it: '{key}'",
                )
            _check_keys(value, path + (key,), marks)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_keys(value, path + (index,), marks)


# ---------------------------------------------------------------------------------------------- choosing


def _first(errors: list[Any], marks: Marks) -> Any:
    """The most specific error of each failure, then the one earliest in the file."""
    specific = [_specific(error) for error in errors]

    def order(error: Any) -> tuple[Any, ...]:
        path = _error_path(error)
        mark = locate(marks, path + _extra_keys(error)[:1])
        where = (mark.line, mark.column) if mark else (0, 0)
        return (where, len(path), [str(p) for p in path])

    return min(specific, key=order)


def _specific(error: Any) -> Any:
    """Descend through anyOf/oneOf into the branch that got furthest."""
    while error.context:
        same_type = [e for e in error.context if e.validator not in ("type", "const", "enum")] or list(error.context)
        deepest = max(len(e.absolute_path) for e in same_type)
        candidates = [e for e in same_type if len(e.absolute_path) == deepest]
        if deepest == len(error.absolute_path) and len(candidates) != 1:
            return error
        error = candidates[0]
    return error


def _error_path(error: Any) -> TreePath:
    return tuple(error.absolute_path)


def _extra_keys(error: Any) -> tuple[str, ...]:
    """The keys an ``additionalProperties`` error is about (empty for other errors)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return ()
    known = error.schema.get("properties", {})
    patterns = list(error.schema.get("patternProperties", {}))
    return tuple(k for k in error.instance if k not in known and not any(re.search(p, k) for p in patterns))


# ---------------------------------------------------------------------------------------------- messages


def _describe(error: Any, marks: Marks) -> SchemaError:
    """Turn one jsonschema error into a located SchemaError with a hint."""
    path = _error_path(error)
    kind = error.validator
    if kind == "additionalProperties":
        return _unknown_key(error, path, marks)
    if kind == "required":
        return _missing(error, path, marks)
    handlers = {
        "type": _wrong_type,
        "enum": _not_one_of,
        "const": _not_one_of,
        "pattern": _bad_pattern,
        "minimum": _out_of_range,
        "maximum": _out_of_range,
        "uniqueItems": _duplicate,
        "anyOf": _no_branch,
        "oneOf": _no_branch,
    }
    handler = handlers.get(kind)
    message, hint = handler(error, path) if handler else (_plain(error), None)
    return SchemaError(message, path=path, mark=locate(marks, path), hint=hint)


def _unknown_key(error: Any, path: TreePath, marks: Marks) -> SchemaError:
    known = list(error.schema.get("properties", {}))
    patterns = list(error.schema.get("patternProperties", {}))
    key = _extra_keys(error)[0]
    mark = locate(marks, path + (key,))
    if not known:
        what = _NAMED_MAPS.get(str(path[-1]) if path else "", "")
        label = f"{what} name" if what else "name"
        return SchemaError(
            f"invalid {label} {key!r}",
            path=path,
            mark=mark,
            hint="use only letters, digits, '.', '_' and '-'",
        )
    where = "" if path else " at the top level"
    hint = _suggest(key, known)
    if hint is None:
        listed = "allowed keys are " + ", ".join(sorted(known)) if len(known) <= 12 else "check the spelling"
        hint = listed + ("; custom keys must start with 'x-'" if "^x-" in patterns else "")
    return SchemaError(f"additional property {key!r} is not allowed{where}", path=path, mark=mark, hint=hint)


def _suggest(word: str, choices: list[str]) -> str | None:
    """``did you mean 'image'?`` for a near miss (case-insensitive), else None."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean {lowered[close[0]]!r}?" if close else None


def _missing(error: Any, path: TreePath, marks: Marks) -> SchemaError:
    required = [k for k in error.validator_value if k not in error.instance]
    key = required[0]
    sub = error.schema.get("properties", {}).get(key, {})
    choices = sub.get("enum")
    hint = f"add {key}: one of " + ", ".join(choices) if choices else f"add '{key}'"
    return SchemaError(f"missing required property {key!r}", path=path, mark=locate(marks, path), hint=hint)


def _wrong_type(error: Any, path: TreePath) -> tuple[str, str | None]:
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    names = [_YAML_TYPES.get(t, t) for t in wanted]
    expected = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    got = _yaml_type_of(error.instance)
    hint = None
    structured = [t for t in wanted if t in ("array", "object")]
    if "string" in wanted and isinstance(error.instance, (int, float, bool)):
        hint = f"quote the value: '{_yaml_scalar(error.instance)}'"
    elif structured == ["array"]:
        hint = "write it as a YAML list ('- item' lines or [a, b])"
    elif structured == ["object"] and len(wanted) == 1:
        hint = "write it as a YAML mapping ('key: value' lines)"
    elif len(structured) == 2 and "string" not in wanted:
        hint = "write a mapping ('key: value' lines) or a list ('- item' lines)"
    subject = "" if path else "the compose document "
    return f"{subject}must be {expected}, not {got}", hint


def _not_one_of(error: Any, path: TreePath) -> tuple[str, str | None]:
    choices = error.validator_value if error.validator == "enum" else [error.validator_value]
    value = error.instance
    text = ", ".join(str(c) for c in choices)
    hint = _suggest(str(value), [str(c) for c in choices]) or f"use one of: {text}"
    return f"{_show(value)} is not one of {text}", hint


def _bad_pattern(error: Any, path: TreePath) -> tuple[str, str | None]:
    field = str(path[-1]) if path else ""
    description = error.schema.get("description")
    if field == "container_name":
        return (f"{_show(error.instance)} is not a valid container name",
                "start with a letter or digit, then letters, digits, '_', '.' or '-'")
    if field == "pull_policy":
        return f"{_show(error.instance)} is not a valid pull policy", f"use {description.rstrip('.')}" if description else None
    return f"{_show(error.instance)} does not match {error.validator_value!r}", None


def _no_branch(error: Any, path: TreePath) -> tuple[str, str | None]:
    shapes = []
    for branch in error.validator_value:
        if "const" in branch:
            shapes.append(_show(branch["const"]))
        else:
            kinds = branch.get("type", [])
            shapes.extend(_YAML_TYPES.get(k, k) for k in (kinds if isinstance(kinds, list) else [kinds]))
    expected = ", ".join(shapes[:-1]) + " or " + shapes[-1] if len(shapes) > 1 else "".join(shapes)
    return f"must be {expected}, not {_yaml_type_of(error.instance)}", None


def _out_of_range(error: Any, path: TreePath) -> tuple[str, str | None]:
    side = "at least" if error.validator == "minimum" else "at most"
    return f"{error.instance} is out of range", f"use a value {side} {error.validator_value}"


def _duplicate(error: Any, path: TreePath) -> tuple[str, str | None]:
    seen: list[Any] = []
    for item in error.instance:
        if item in seen:
            return f"{_show(item)} is listed more than once", "remove the repeated entry"
        seen.append(item)
    return "has repeated items", "remove the repeated entry"


def _plain(error: Any) -> str:
    return str(error.message)


def _yaml_type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({_yaml_scalar(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else _yaml_scalar(value)


# ---------------------------------------------------------------------------------------------- ports


def _check_ports(data: dict[str, Any], marks: Marks) -> None:
    """Short-syntax port strings the schema lets through but no engine could publish."""
    services = data.get("services") or {}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        for index, port in enumerate(service.get("ports") or []):
            if isinstance(port, str) and "$" not in port:
                problem = port_problem(port)
                if problem:
                    path: TreePath = ("services", name, "ports", index)
                    raise SchemaError(f"\"{port}\" is not a valid port: {problem}", path=path,
                                      mark=locate(marks, path), hint=_PORT_HINT)


def port_problem(spec: str) -> str | None:
    """Why a ``[ip:][host:]container[/proto]`` string is invalid, or None if it is fine."""
    body, _, protocol = spec.partition("/")
    if _ and protocol.lower() not in _PROTOCOLS:
        return f"unknown protocol {protocol!r} (use tcp, udp or sctp)"
    parts = body.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ""
    address = ":".join(parts[:-2])
    if not container:
        return "no container port"
    if not _PORT_NUMBER.match(container):
        return f"container port {container!r} is not a number or range"
    if host and not _PORT_NUMBER.match(host):
        return f"host port {host!r} is not a number or range"
    for piece in (container, host):
        if piece and not _range_ok(piece):
            return f"{piece!r} is not a port or range between 0 and 65535"
    if host and _span(container) and _span(host) != _span(container):
        return f"host range {host!r} and container range {container!r} differ in size"
    if address and not _ip_ok(address.removeprefix("[").removesuffix("]")):
        return f"{address!r} is not an IP address"
    return None


def _range_ok(piece: str) -> bool:
    low, _, high = piece.partition("-")
    first, last = int(low), int(high or low)
    return 0 <= first <= last <= 65535


def _span(piece: str) -> int:
    low, _, high = piece.partition("-")
    return int(high or low) - int(low)


def _ip_ok(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True
