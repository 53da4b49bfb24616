"""Semantic checks Docker Compose (compose-go) makes after the schema: things the schema cannot say.

Pure.  ``check_resources`` runs on the schema-valid dict before the canonical stage (it must still see the legacy
``external: {name: ...}``); ``check_services`` runs on the canonical dict.  Both raise ``ConsistencyError`` at the
YAML path of the offending entry (file:line:column when ``marks`` are given).

``check_services(..., references=True)`` adds what compose-go's consistency check adds (and what its
``SkipConsistencyCheck`` skips): a service needs an image or a build context.
"""

from __future__ import annotations

import re
from typing import Any

from compose.errors import ConsistencyError
from compose.loader.canonical_values import with_mark
from compose.loader.document import Marks, TreePath

RESOURCE_KINDS = ("networks", "volumes", "secrets", "configs")
_RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")


def _fail(path: TreePath, message: str, hint: str, marks: Marks | None) -> ConsistencyError:
    error = ConsistencyError(message, path=path, hint=hint)
    error.tree_path = path  # type: ignore[attr-defined]
    return with_mark(error, marks)


def _is_external(value: Any) -> bool:
    return value is True or isinstance(value, dict) or str(value).lower() == "true"


def check_resources(data: dict, marks: Marks | None = None) -> None:
    """An external volume declares nothing but a name; ``name`` and the legacy ``external.name`` never both;
    a secret or config has one source (``file``/``environment``, or ``content`` for configs)."""
    for kind in RESOURCE_KINDS:
        items = data.get(kind)
        if not isinstance(items, dict):
            continue
        for key, item in items.items():
            if not isinstance(item, dict):
                continue
            external = item.get("external")
            if isinstance(external, dict) and external.get("name") and item.get("name"):
                raise _fail((kind, key, "name"), f"{kind}.{key}: name and external.name conflict",
                            "only use name", marks)
            if kind == "volumes" and _is_external(external):
                _check_external_volume(key, item, marks)
            if kind in ("secrets", "configs"):
                _check_file_object(kind, key, item, marks)


def _check_external_volume(key: str, item: dict, marks: Marks | None) -> None:
    for attr in item:
        if attr not in ("name", "external") and not str(attr).startswith("x-"):
            raise _fail(("volumes", key, attr), f'volumes.{key}: conflicting parameters "external" and "{attr}" '
                        "specified", "an external volume is created outside the project: remove " + str(attr),
                        marks)


def _check_file_object(kind: str, key: str, item: dict, marks: Marks | None) -> None:
    sources = ("file", "environment") if kind == "secrets" else ("file", "environment", "content")
    given = [s for s in sources if s in item]
    if len(given) > 1:
        raise _fail((kind, key, given[1]), f"{kind}.{key}: {'|'.join(sources)} attributes are mutually exclusive",
                    "keep only one of them", marks)
    if not given and "driver" not in item and "external" not in item:
        raise _fail((kind, key), f"{kind}.{key}: one of {'|'.join(sources)} must be set",
                    "say where its content comes from, or mark it external: true", marks)


def check_services(data: dict, marks: Marks | None = None, *, references: bool = True) -> None:
    """Per-service rules on the canonical dict (see the module docstring)."""
    for name, svc in (data.get("services") or {}).items():
        where: TreePath = ("services", name)
        if references and not (svc.get("image") or svc.get("build") or svc.get("provider")):
            raise _fail(where, f"service {name} has neither an image nor a build context",
                        "add image: or build:", marks)
        restart = svc.get("restart")
        if restart is not None and not _RESTART.match(str(restart)):
            raise _fail(where + ("restart",), f"invalid restart policy {restart!r}",
                        "use no, always, on-failure[:MAX_RETRIES] or unless-stopped", marks)
        for i, mount in enumerate(svc.get("volumes") or []):
            if isinstance(mount, dict) and mount.get("type") == "bind" and not mount.get("source"):
                raise _fail(where + ("volumes", i), 'invalid mount config for type "bind": field Source must '
                            "not be empty", "name the host path to bind in source:", marks)
        _check_devices(svc, where, marks)


def _check_devices(svc: dict, where: TreePath, marks: Marks | None) -> None:
    reservations = ((svc.get("deploy") or {}).get("resources") or {}).get("reservations") or {}
    for i, device in enumerate(reservations.get("devices") or []):
        if isinstance(device, dict) and device.get("count") is not None and device.get("device_ids"):
            path = where + ("deploy", "resources", "reservations", "devices", i)
            raise _fail(path, '"count" and "device_ids" attributes are exclusive', "keep only one of them", marks)
