"""The order ``docker compose config`` prints a project in (compose-go marshals its structs in field order).

Top level: name, services, networks, volumes, secrets, configs, then anything else as written.  Services and the
top-level resources are sorted by name; a service's attributes alphabetically; the attributes of the structures
below follow compose-go's field order (``ORDERS``); keys a table does not name come after, as written.  What is a
Go map there (environment, labels, networks of a service, driver_opts...) is sorted by key, as Go's YAML does.
"""

from __future__ import annotations

from typing import Any


__all__ = ["printed_order", "ORDERS"]

_TOP = ("name", "services", "networks", "volumes", "secrets", "configs", "models")
_RESOURCE = {
    "networks": ("name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels",
                 "enable_ipv4", "enable_ipv6"),
    "volumes": ("name", "driver", "driver_opts", "external", "labels"),
    "secrets": ("name", "file", "environment", "content", "external", "labels", "driver", "driver_opts",
                "template_driver"),
}  # fmt: skip
_RESOURCE["configs"] = _RESOURCE["secrets"]
_RESOURCES_LIMITS = ("cpus", "memory", "pids", "devices", "generic_resources")

# attribute -> order of the keys of its mapping (one level below a service)
ORDERS: dict[str, tuple[str, ...]] = {
    "build": ("context", "dockerfile", "dockerfile_inline", "entitlements", "args", "ssh", "labels", "cache_from",
              "cache_to", "no_cache", "additional_contexts", "network", "pull", "target", "shm_size", "extra_hosts",
              "isolation", "privileged", "secrets", "tags", "ulimits", "platforms"),
    "healthcheck": ("test", "timeout", "interval", "retries", "start_period", "start_interval", "disable"),
    "deploy": ("mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy",
               "placement", "endpoint_mode"),
    "logging": ("driver", "options"),
}  # fmt: skip
_DEPENDENCY = ("condition", "restart", "required")
# Go maps (printed sorted by key), below a service and below a top-level resource
_SERVICE_MAPS = {"annotations", "depends_on", "environment", "extra_hosts", "labels", "networks", "storage_opt",
                 "sysctls", "ulimits"}
_NESTED_MAPS = {"build": ("args", "labels", "additional_contexts", "extra_hosts"), "deploy": ("labels",),
                "logging": ("options",)}
_RESOURCE_MAPS = ("driver_opts", "labels")


def _sorted(value: Any) -> Any:
    return {k: value[k] for k in sorted(value, key=str)} if isinstance(value, dict) else value


def _ordered(value: Any, order: tuple[str, ...]) -> Any:
    if not isinstance(value, dict):
        return value
    out = {k: value[k] for k in order if k in value}
    out.update((k, v) for k, v in value.items() if k not in out)
    return out


def _service(svc: Any) -> Any:
    if not isinstance(svc, dict):
        return svc
    out = {}
    for key in sorted(svc):
        value = svc[key]
        if key in _SERVICE_MAPS:
            value = _sorted(value)
        if key in ORDERS:
            value = _ordered(value, ORDERS[key])
            for inner in _NESTED_MAPS.get(key, ()):
                if isinstance(value, dict) and inner in value:
                    value[inner] = _sorted(value[inner])
        if key == "deploy" and isinstance(value, dict) and isinstance(value.get("resources"), dict):
            resources = _ordered(value["resources"], ("limits", "reservations"))
            value["resources"] = {k: _ordered(v, _RESOURCES_LIMITS) for k, v in resources.items()}
        if key == "depends_on" and isinstance(value, dict):
            value = {name: _ordered(dep, _DEPENDENCY) for name, dep in value.items()}
        out[key] = value
    return out


def _section(key: str, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {k: value[k] for k in sorted(value, key=str)}
    if key == "services":
        return {k: _service(v) for k, v in items.items()}
    if key not in _RESOURCE:
        return items
    out = {k: _ordered(v, _RESOURCE[key]) for k, v in items.items()}
    for item in out.values():
        for inner in _RESOURCE_MAPS if isinstance(item, dict) else ():
            if inner in item:
                item[inner] = _sorted(item[inner])
    return out


def printed_order(data: dict) -> dict:
    """A new dict in ``docker compose config``'s order (see the module docstring); values are shared."""
    out = {key: _section(key, data[key]) for key in _TOP if key in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    return out
