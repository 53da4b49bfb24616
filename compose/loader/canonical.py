"""Short syntax -> long syntax, as ``docker compose config`` prints it.

Pure: takes the merged, schema-valid dict and returns a new one.  A table keyed by attribute (``SERVICE``,
``BUILD``, ``DEPLOY``...) names the converter of each tree path.  Interpolated scalars that arrive as strings where
numbers or booleans are meant (``published: "8080"``, ``cpus: "0.5"``, ``replicas: "2"``) are converted, like
compose-go does.  Durations stay Go duration strings (``1m30s``), byte sizes become ints, ``command`` and
``entrypoint`` strings are split into argv lists with shell quoting, as Docker Compose prints them.
"""

from __future__ import annotations

import copy
from typing import Any

from compose.loader.canonical_values import (
    Handler,
    canonical_duration,
    canonical_ports,
    canonical_volumes,
    invalid,
    parse_bytes,
    parse_duration,
    split_command,
    string_list,
    to_bool,
    to_float,
    to_int,
    to_map,
    to_str,
    with_mark,
)
from compose.errors import SchemaError
from compose.loader.document import Marks, TreePath

__all__ = ["canonicalize", "canonical_resource", "canonical_service", "parse_duration", "parse_bytes", "split_command"]


def _int(value: Any, path: TreePath) -> int:
    return to_int(value, path)


def _bool(value: Any, path: TreePath) -> bool:
    return to_bool(value, path)


def _float(value: Any, path: TreePath) -> float:
    return to_float(value, path)


def _map(value: Any, path: TreePath) -> dict:
    return to_map(value, path)


def _labels(value: Any, path: TreePath) -> dict:
    return to_map(value, path, bare="", empty_key=True)


def _strings(value: Any, path: TreePath) -> list[str]:
    return string_list(value, path)


def _section(table: dict[str, Handler]) -> Handler:
    """A handler for a mapping whose keys have their own handlers (unknown keys pass through)."""

    def convert(value: Any, path: TreePath) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: (table[k](v, path + (k,)) if k in table and v is not None else v) for k, v in value.items()}

    return convert


def _each(handler: Handler) -> Handler:
    def convert(value: Any, path: TreePath) -> Any:
        return [handler(v, path + (i,)) for i, v in enumerate(value or [])]

    return convert


def _values(handler: Handler) -> Handler:
    def convert(value: Any, path: TreePath) -> Any:
        return {k: (handler(v, path + (k,)) if v is not None else v) for k, v in (value or {}).items()}

    return convert


# ---------------------------------------------------------------------------------------------------- attributes


def _environment(value: Any, path: TreePath) -> dict:
    """List or map -> map; ``KEY`` alone -> None (normalize resolves it from the shell environment)."""
    out = to_map(value, path, bare=None)
    for i, key in enumerate(out):
        if key != key.rstrip():
            where = path + ((i if isinstance(value, list) else key),)
            error = SchemaError(f"environment variable {key} is declared with a trailing space",
                                path=where, hint=f"write {key.rstrip()}=VALUE without spaces around '='")
            error.tree_path = where  # type: ignore[attr-defined]
            raise error
    return out


def _depends_on(value: Any, path: TreePath) -> dict:
    if isinstance(value, list):
        return {str(name): {"condition": "service_started", "required": True} for name in value}
    out = {}
    for name, dep in (value or {}).items():
        dep = dict(dep or {})
        dep.setdefault("condition", "service_started")
        dep["required"] = to_bool(dep.get("required", True), path + (name, "required"))
        if "restart" in dep:
            dep["restart"] = to_bool(dep["restart"], path + (name, "restart"))
        out[name] = dep
    return out


def _ulimit(value: Any, path: TreePath) -> int | dict:
    """A single limit stays one number (as Docker Compose prints it); ``{soft, hard}`` gets int values."""
    if isinstance(value, dict):
        return {k: to_int(v, path + (k,)) for k, v in value.items()}
    return to_int(value, path)


def _extra_hosts(value: Any, path: TreePath) -> dict[str, list[str]]:
    """``["h:1.2.3.4", "h=::1"]`` or ``{h: ip | [ips]}`` -> ``{h: [ips]}`` (brackets around IPv6 dropped)."""
    out: dict[str, list[str]] = {}
    if isinstance(value, dict):
        items = [(str(k), v if isinstance(v, list) else [v]) for k, v in value.items()]
    else:
        items = []
        for i, entry in enumerate(value or []):
            text = str(entry)
            cut = min((text.find(s) for s in "=:" if s in text), default=-1)
            if cut <= 0:
                raise invalid(path + (i,), entry, "extra host", "use HOST=IP or HOST:IP")
            items.append((text[:cut], text[cut + 1 :].split(",")))
    for host, ips in items:
        for ip in ips:
            ip = "" if ip is None else str(ip)
            if ip.startswith("[") and ip.endswith("]"):
                ip = ip[1:-1]
            out.setdefault(host, []).append(ip)
    return out


def _build(value: Any, path: TreePath) -> dict:
    if isinstance(value, str):
        return {"context": value}
    return _section(BUILD)(value or {}, path)


def _networks(value: Any, path: TreePath) -> dict:
    if isinstance(value, list):
        return {str(name): None for name in value}
    return _values(_section(SERVICE_NETWORK))(value, path)


def _env_file(value: Any, path: TreePath) -> list[dict]:
    out = []
    for i, entry in enumerate(string_list(value) if isinstance(value, str) else value or []):
        if isinstance(entry, dict):
            item = dict(entry)
            item["required"] = to_bool(item.get("required", True), path + (i, "required"))
        else:
            item = {"path": str(entry), "required": True}
        out.append(item)
    return out


def _file_ref(value: Any, path: TreePath) -> dict:
    """A secret/config reference: ``name`` -> ``{source: name}``; ``mode`` to an int (octal strings allowed)."""
    if isinstance(value, str):
        return {"source": value}
    out = dict(value)
    mode = out.get("mode")
    if isinstance(mode, str):
        try:
            out["mode"] = int(mode, 8)
        except ValueError:
            raise invalid(path + ("mode",), mode, "file mode", "write an octal mode such as 0440") from None
    return out


def _device(value: Any, path: TreePath) -> dict:
    if isinstance(value, dict):
        return value
    parts = str(value).split(":")
    if len(parts) > 3 or not parts[0]:
        raise invalid(path, value, "device", "use HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]], e.g. /dev/fuse")
    source = parts[0]
    target = parts[1] if len(parts) > 1 and parts[1] else source
    permissions = parts[2] if len(parts) > 2 else "rwm"
    return {"source": source, "target": target, "permissions": permissions}


def _healthcheck_test(value: Any, _path: TreePath) -> list[str]:
    if isinstance(value, str):
        return ["CMD-SHELL", value]
    return [to_str(v) for v in value]


def _expose(value: Any, _path: TreePath) -> list[str]:
    return [to_str(v) for v in value or []]


def _restart(value: Any, _path: TreePath) -> str:
    """``restart: no`` read by a YAML 1.1 parser arrives as False."""
    return "no" if value is False else str(value)


def _cpus(value: Any, path: TreePath) -> float:
    return to_float(value, path)


def _bytes(value: Any, path: TreePath) -> int:
    return parse_bytes(value, path)


def _scale_count(value: Any, path: TreePath) -> Any:
    return value if value == "all" else to_int(value, path)


HEALTHCHECK: dict[str, Handler] = {
    "test": _healthcheck_test,
    "interval": canonical_duration,
    "timeout": canonical_duration,
    "start_period": canonical_duration,
    "start_interval": canonical_duration,
    "retries": _int,
    "disable": _bool,
}

RESOURCE: dict[str, Handler] = {
    "cpus": _cpus,
    "memory": _bytes,
    "pids": _int,
    "devices": _each(_section({"count": _scale_count, "capabilities": _strings, "device_ids": _strings})),
}

_UPDATE: dict[str, Handler] = {
    "parallelism": _int,
    "delay": canonical_duration,
    "monitor": canonical_duration,
    "max_failure_ratio": _float,
}

DEPLOY: dict[str, Handler] = {
    "replicas": _int,
    "labels": _labels,
    "resources": _section({"limits": _section(RESOURCE), "reservations": _section(RESOURCE)}),
    "restart_policy": _section(
        {"delay": canonical_duration, "window": canonical_duration, "max_attempts": _int}
    ),
    "update_config": _section(_UPDATE),
    "rollback_config": _section(_UPDATE),
    "placement": _section({"max_replicas_per_node": _int, "constraints": _strings}),
}

BUILD: dict[str, Handler] = {
    "args": _environment,
    "labels": _labels,
    "additional_contexts": _map,
    "extra_hosts": _extra_hosts,
    "ulimits": _values(_ulimit),
    "secrets": _each(_file_ref),
    "shm_size": _bytes,
    "cache_from": _strings,
    "cache_to": _strings,
    "tags": _strings,
    "platforms": _strings,
    "no_cache": _bool,
    "pull": _bool,
    "privileged": _bool,
}

SERVICE_NETWORK: dict[str, Handler] = {"aliases": _strings, "priority": _int, "gw_priority": _int}

_WEIGHT_DEVICE = _section({"weight": _int})
_RATE_DEVICE = _section({"rate": _bytes})

SERVICE: dict[str, Handler] = {
    "annotations": _labels,
    "blkio_config": _section(
        {
            "weight": _int,
            "weight_device": _each(_WEIGHT_DEVICE),
            "device_read_bps": _each(_RATE_DEVICE),
            "device_write_bps": _each(_RATE_DEVICE),
            "device_read_iops": _each(_section({"rate": _int})),
            "device_write_iops": _each(_section({"rate": _int})),
        }
    ),
    "build": _build,
    "command": split_command,
    "configs": _each(_file_ref),
    "cpu_count": _int,
    "cpu_percent": _int,
    "cpu_period": _int,
    "cpu_quota": _int,
    "cpu_rt_period": canonical_duration,
    "cpu_rt_runtime": canonical_duration,
    "cpu_shares": _int,
    "cpus": _cpus,
    "depends_on": _depends_on,
    "deploy": _section(DEPLOY),
    "devices": _each(_device),
    "dns": _strings,
    "dns_opt": _strings,
    "dns_search": _strings,
    "entrypoint": split_command,
    "env_file": _env_file,
    "environment": _environment,
    "expose": _expose,
    "extra_hosts": _extra_hosts,
    "healthcheck": _section(HEALTHCHECK),
    "init": _bool,
    "label_file": _strings,
    "labels": _labels,
    "logging": _section({"options": _map}),
    "mem_limit": _bytes,
    "mem_reservation": _bytes,
    "mem_swappiness": _int,
    "memswap_limit": _bytes,
    "networks": _networks,
    "oom_kill_disable": _bool,
    "oom_score_adj": _int,
    "pids_limit": _int,
    "ports": canonical_ports,
    "privileged": _bool,
    "read_only": _bool,
    "restart": _restart,
    "scale": _int,
    "secrets": _each(_file_ref),
    "shm_size": _bytes,
    "stdin_open": _bool,
    "stop_grace_period": canonical_duration,
    "storage_opt": _map,
    "sysctls": _map,
    "tmpfs": _strings,
    "tty": _bool,
    "ulimits": _values(_ulimit),
    "volumes": canonical_volumes,
}


# ---------------------------------------------------------------------------------------------------- top level


def canonical_resource(value: Any, path: TreePath) -> dict:
    """``volumes.*``/``networks.*``/``secrets.*``/``configs.*``: null -> {}, legacy ``external: {name}``."""
    out = dict(value or {})
    ext = out.get("external")
    if isinstance(ext, dict):
        out["external"] = True
        if ext.get("name"):
            out.setdefault("name", ext["name"])
    elif ext is not None:
        out["external"] = to_bool(ext, path + ("external",))
    for flag in ("internal", "attachable", "enable_ipv4", "enable_ipv6"):
        if out.get(flag) is not None:
            out[flag] = to_bool(out[flag], path + (flag,))
    if "labels" in out:
        out["labels"] = _labels(out["labels"], path + ("labels",))
    if isinstance(out.get("driver_opts"), dict):
        out["driver_opts"] = {k: to_str(v) for k, v in out["driver_opts"].items()}
    return out


def canonical_service(svc: dict, *, name: str = "service", copied: bool = False) -> dict:
    """One service dict with every short syntax turned into its long form (``copied``: ``svc`` is already a
    private copy the converters may reuse)."""
    return _section(SERVICE)((svc or {}) if copied else copy.deepcopy(svc or {}), ("services", name))


def canonicalize(data: dict, marks: Marks | None = None) -> dict:
    """The whole project dict in long syntax (a new dict; the input is left alone).

    Errors carry the YAML path, and ``file:line:column`` when ``marks`` are given.
    """
    try:
        return _canonicalize(data)
    except SchemaError as exc:
        raise with_mark(exc, marks) from None


def _canonicalize(data: dict) -> dict:
    out = copy.deepcopy(data)
    services = out.get("services") or {}
    out["services"] = {name: canonical_service(svc, name=name, copied=True) for name, svc in services.items()}
    for kind in ("volumes", "networks", "secrets", "configs"):
        if isinstance(out.get(kind), dict):
            out[kind] = {k: canonical_resource(v, (kind, k)) for k, v in out[kind].items()}
    return out
