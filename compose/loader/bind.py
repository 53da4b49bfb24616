"""dict -> ``compose.model.Project``: the ONLY place where untyped data becomes typed.

Input is the canonical, normalized dict.  Attributes the model does not name are kept in each object's ``extra``.
``unsupported_fields`` (from ``compose.loader.unsupported``) lists valid attributes dockyard reads but does not
act on, for warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compose import labels as labels_mod
from compose import model as m
from compose.loader.canonical_values import parse_duration
from compose.loader.unsupported import unsupported_fields

_SERVICE_SCALARS = (
    "image", "network_mode", "restart", "scale", "working_dir", "user", "hostname", "domainname", "container_name",
    "privileged", "read_only", "stdin_open", "tty", "init", "stop_signal", "ipc", "pid", "uts", "cgroup", "mem_limit",
    "mem_reservation", "memswap_limit", "shm_size", "cpus", "cpu_shares", "pids_limit", "pull_policy", "platform",
)  # fmt: skip
_SERVICE_TUPLES = (
    "expose", "volumes_from", "tmpfs", "links", "cap_add", "cap_drop", "security_opt", "group_add", "dns",
    "dns_search", "dns_opt", "profiles",
)  # fmt: skip
_SERVICE_MAPS = ("environment", "labels", "annotations", "sysctls")
_SERVICE_BOUND = (
    "build", "command", "entrypoint", "env_file", "ports", "volumes", "depends_on", "healthcheck", "networks",
    "deploy", "ulimits", "extra_hosts", "devices", "secrets", "configs", "logging", "stop_grace_period", "develop",
)  # fmt: skip

def _frozen_strings(value: Any) -> Mapping[str, Any]:
    return m.frozen_map({k: (None if v is None else str(v)) for k, v in (value or {}).items()})


def _extra(data: Mapping[str, Any], known: tuple[str, ...] | set[str]) -> Mapping[str, Any]:
    return m.frozen_map({k: v for k, v in data.items() if k not in known})


def _seconds(value: Any) -> float | None:
    return None if value is None else parse_duration(value)


def _command(value: Any) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(str(v) for v in value)


def bind_port(data: Mapping[str, Any]) -> m.Port:
    published = data.get("published")
    return m.Port(
        target=int(data["target"]),
        published=str(published) if published not in (None, "") else None,
        host_ip=data.get("host_ip") or None,
        protocol=data.get("protocol", "tcp"),
        mode=data.get("mode", "ingress"),
        name=data.get("name"),
        app_protocol=data.get("app_protocol"),
    )


def bind_mount(data: Mapping[str, Any]) -> m.Mount:
    bind = data.get("bind")
    volume = data.get("volume")
    tmpfs = data.get("tmpfs")
    return m.Mount(
        type=data["type"],
        target=data.get("target", ""),
        source=data.get("source") or None,
        read_only=bool(data.get("read_only", False)),
        consistency=data.get("consistency"),
        bind=None if bind is None else m.BindOptions(
            propagation=bind.get("propagation"), create_host_path=bool(bind.get("create_host_path", False)),
            selinux=bind.get("selinux"), recursive=bind.get("recursive"),
        ),
        volume=None if volume is None else m.VolumeOptions(
            nocopy=bool(volume.get("nocopy", False)), subpath=volume.get("subpath")
        ),
        tmpfs=None if tmpfs is None else m.TmpfsOptions(size=tmpfs.get("size"), mode=tmpfs.get("mode")),
        extra=_extra(data, {"type", "target", "source", "read_only", "consistency", "bind", "volume", "tmpfs"}),
    )  # fmt: skip


def bind_healthcheck(data: Mapping[str, Any]) -> m.Healthcheck:
    return m.Healthcheck(
        test=tuple(data.get("test") or ()),
        interval=_seconds(data.get("interval")),
        timeout=_seconds(data.get("timeout")),
        start_period=_seconds(data.get("start_period")),
        start_interval=_seconds(data.get("start_interval")),
        retries=data.get("retries"),
        disable=bool(data.get("disable", False)),
    )


def bind_build(data: Mapping[str, Any]) -> m.Build:
    known = {"context", "dockerfile", "dockerfile_inline", "args", "target", "labels", "network", "tags",
             "platforms", "cache_from", "additional_contexts", "shm_size", "pull", "no_cache"}  # fmt: skip
    return m.Build(
        context=data.get("context", "."),
        dockerfile=data.get("dockerfile"),
        dockerfile_inline=data.get("dockerfile_inline"),
        args=_frozen_strings(data.get("args")),
        target=data.get("target"),
        labels=_frozen_strings(data.get("labels")),
        network=data.get("network"),
        tags=tuple(data.get("tags") or ()),
        platforms=tuple(data.get("platforms") or ()),
        cache_from=tuple(data.get("cache_from") or ()),
        additional_contexts=_frozen_strings(data.get("additional_contexts")),
        shm_size=data.get("shm_size"),
        pull=bool(data.get("pull", False)),
        no_cache=bool(data.get("no_cache", False)),
        extra=_extra(data, known),
    )


def _resources(data: Mapping[str, Any] | None) -> m.Resources:
    data = data or {}
    return m.Resources(
        cpus=data.get("cpus"), memory=data.get("memory"), pids=data.get("pids"),
        extra=_extra(data, {"cpus", "memory", "pids"}),
    )  # fmt: skip


def bind_deploy(data: Mapping[str, Any]) -> m.Deploy:
    resources = data.get("resources") or {}
    policy = data.get("restart_policy")
    return m.Deploy(
        mode=data.get("mode"),
        replicas=data.get("replicas"),
        limits=_resources(resources.get("limits")),
        reservations=_resources(resources.get("reservations")),
        restart_policy=None if policy is None else m.RestartPolicy(
            condition=policy.get("condition", "any"), delay=_seconds(policy.get("delay")),
            max_attempts=policy.get("max_attempts"), window=_seconds(policy.get("window")),
        ),
        labels=_frozen_strings(data.get("labels")),
        extra=_extra(data, {"mode", "replicas", "resources", "restart_policy", "labels"}),
    )  # fmt: skip


def bind_network_attachment(name: str, data: Mapping[str, Any] | None) -> m.ServiceNetwork:
    data = data or {}
    known = {"aliases", "ipv4_address", "ipv6_address", "mac_address", "priority", "gw_priority"}
    return m.ServiceNetwork(
        name=name,
        aliases=tuple(data.get("aliases") or ()),
        ipv4_address=data.get("ipv4_address"),
        ipv6_address=data.get("ipv6_address"),
        mac_address=data.get("mac_address"),
        priority=int(data.get("priority") or 0),
        gw_priority=int(data.get("gw_priority") or 0),
        extra=_extra(data, known),
    )


def _file_ref(data: Mapping[str, Any]) -> m.FileRef:
    uid, gid = data.get("uid"), data.get("gid")
    return m.FileRef(
        source=data["source"], target=data.get("target"), uid=None if uid is None else str(uid),
        gid=None if gid is None else str(gid), mode=data.get("mode"),
    )  # fmt: skip


def bind_watch(data: Mapping[str, Any]) -> m.WatchRule:
    def strings(value: Any) -> tuple[str, ...]:
        return () if value is None else (value,) if isinstance(value, str) else tuple(str(v) for v in value)

    return m.WatchRule(str(data.get("action")), str(data["path"]), data.get("target"), strings(data.get("ignore")),
                       strings(data.get("include")), bool(data.get("initial_sync")),
                       _command((data.get("exec") or {}).get("command")))


def _ulimit(name: str, data: Mapping[str, Any] | int) -> m.Ulimit:
    if not isinstance(data, Mapping):
        return m.Ulimit(name, int(data), int(data))
    soft = data.get("soft", data.get("hard", 0))
    return m.Ulimit(name, int(soft), int(data.get("hard", soft)))


def _parts(svc: Mapping[str, Any]) -> dict[str, Any]:
    """The service attributes that need their own binder."""

    def opt(key: str, fn: Callable[[Any], Any]) -> Any:
        return None if svc.get(key) is None else fn(svc[key])

    return {
        "build": opt("build", bind_build),
        "command": _command(svc.get("command")),
        "entrypoint": _command(svc.get("entrypoint")),
        "env_files": tuple(m.EnvFile(e["path"], bool(e.get("required", True)), e.get("format"))
                           for e in svc.get("env_file") or ()),
        "ports": tuple(bind_port(p) for p in svc.get("ports") or ()),
        "mounts": tuple(bind_mount(v) for v in svc.get("volumes") or ()),
        "depends_on": tuple(
            m.DependsOn(k, d.get("condition", "service_started"), bool(d.get("required", True)),
                        bool(d.get("restart", False)))
            for k, d in (svc.get("depends_on") or {}).items()
        ),
        "healthcheck": opt("healthcheck", bind_healthcheck),
        "networks": tuple(bind_network_attachment(k, v) for k, v in (svc.get("networks") or {}).items()),
        "deploy": opt("deploy", bind_deploy),
        "ulimits": tuple(_ulimit(k, v) for k, v in (svc.get("ulimits") or {}).items()),
        "extra_hosts": tuple((h, ip) for h, ips in (svc.get("extra_hosts") or {}).items() for ip in ips),
        "devices": tuple(m.Device(d["source"], d.get("target", d["source"]), d.get("permissions", "rwm"))
                         for d in svc.get("devices") or ()),
        "secrets": tuple(_file_ref(s) for s in svc.get("secrets") or ()),
        "configs": tuple(_file_ref(c) for c in svc.get("configs") or ()),
        "logging": opt("logging", lambda v: m.Logging(v.get("driver"), _frozen_strings(v.get("options")))),
        "stop_grace_period": _seconds(svc.get("stop_grace_period")),
        "develop_watch": tuple(bind_watch(w) for w in (svc.get("develop") or {}).get("watch") or ()),
    }  # fmt: skip


def bind_service(name: str, svc: Mapping[str, Any]) -> m.Service:
    """One canonical, normalized service dict -> ``Service``."""
    fields: dict[str, Any] = {k: svc[k] for k in _SERVICE_SCALARS if svc.get(k) is not None}
    fields.update({k: tuple(str(v) for v in svc[k]) for k in _SERVICE_TUPLES if svc.get(k)})
    fields.update({k: _frozen_strings(svc[k]) for k in _SERVICE_MAPS if svc.get(k)})
    fields.update(_parts(svc))
    known = set(_SERVICE_SCALARS) | set(_SERVICE_TUPLES) | set(_SERVICE_MAPS) | set(_SERVICE_BOUND)
    return m.Service(name=name, config_hash=labels_mod.config_hash(svc), extra=_extra(svc, known), **fields)


def _network(key: str, data: Mapping[str, Any]) -> m.Network:
    known = {"name", "driver", "driver_opts", "external", "internal", "attachable", "enable_ipv6", "ipam", "labels"}
    return m.Network(
        key=key, name=data.get("name") or key, driver=data.get("driver"),
        driver_opts=_frozen_strings(data.get("driver_opts")), external=bool(data.get("external", False)),
        internal=bool(data.get("internal", False)), attachable=bool(data.get("attachable", False)),
        enable_ipv6=data.get("enable_ipv6"), ipam=m.frozen_map(data.get("ipam")),
        labels=_frozen_strings(data.get("labels")), extra=_extra(data, known),
    )  # fmt: skip


def _volume(key: str, data: Mapping[str, Any]) -> m.Volume:
    return m.Volume(
        key=key, name=data.get("name") or key, driver=data.get("driver"),
        driver_opts=_frozen_strings(data.get("driver_opts")), external=bool(data.get("external", False)),
        labels=_frozen_strings(data.get("labels")),
        extra=_extra(data, {"name", "driver", "driver_opts", "external", "labels"}),
    )  # fmt: skip


def _secret(key: str, data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> m.Secret:
    """``environment: VAR`` takes VAR's value from the project's environment (its ``content``; None if unset)."""
    content = data.get("content")
    if content is None and data.get("environment") and environ is not None:
        content = environ.get(data["environment"])
    return m.Secret(
        key=key, name=data.get("name") or key, file=data.get("file"), environment=data.get("environment"),
        content=content, external=bool(data.get("external", False)),
        labels=_frozen_strings(data.get("labels")),
        extra=_extra(data, {"name", "file", "environment", "content", "external", "labels"}),
    )  # fmt: skip


def bind(data: Mapping[str, Any], *, working_dir: str | None = None,
         environment: Mapping[str, str] | None = None) -> m.Project:
    """The canonical, normalized project dict -> ``Project``. ``environment``: the project's (for secrets and
    configs defined by ``environment:``)."""

    def each(kind: str, fn: Callable[[str, Mapping[str, Any]], Any]) -> Mapping[str, Any]:
        return m.frozen_map({k: fn(k, v or {}) for k, v in (data.get(kind) or {}).items()})

    known = {"name", "services", "networks", "volumes", "secrets", "configs"}
    return m.Project(
        name=str(data.get("name") or ""),
        working_dir=working_dir,
        services=each("services", bind_service),
        networks=each("networks", _network),
        volumes=each("volumes", _volume),
        secrets=each("secrets", lambda key, item: _secret(key, item, environment)),
        configs=each("configs", lambda key, item: _secret(key, item, environment)),
        extra=_extra(data, known),
    )


__all__ = ["bind", "bind_build", "bind_deploy", "bind_healthcheck", "bind_mount", "bind_network_attachment",
           "bind_port", "bind_service", "bind_watch", "unsupported_fields"]
