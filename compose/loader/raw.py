"""``config --no-interpolate``: the raw data in long syntax wherever its values allow.

A value that cannot be converted before interpolation (``"${PORT}:80"``, ``replicas: ${N}``) is kept as written, as
Docker Compose prints it; everything else gets the same long form as ``canonicalize`` gives.
"""

from __future__ import annotations

import copy
from typing import Any

from compose.errors import SchemaError
from compose.loader.canonical import SERVICE, canonical_resource
from compose.loader.canonical_values import Handler
from compose.loader.document import TreePath

__all__ = ["canonical_where_possible"]


def canonical_where_possible(data: dict) -> dict:
    """``canonicalize`` for raw data (``config --no-interpolate``): a value that cannot be converted yet
    (``"${PORT}:80"``) is kept as written, everything else gets its long form."""
    out = copy.deepcopy(data)
    for name, svc in (out.get("services") or {}).items():
        if isinstance(svc, dict):
            out["services"][name] = {k: _attempt(SERVICE.get(k), v, ("services", name, k)) for k, v in svc.items()}
    for kind in ("volumes", "networks", "secrets", "configs"):
        for key, value in (out.get(kind) or {}).items() if isinstance(out.get(kind), dict) else ():
            out[kind][key] = _attempt(canonical_resource, value, (kind, key))
    return out


def _attempt(handler: Handler | None, value: Any, path: TreePath) -> Any:
    if handler is None or value is None:
        return value
    try:
        return handler(value, path)
    except (SchemaError, ValueError, TypeError):
        return value
