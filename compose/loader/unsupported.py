"""Valid compose attributes dockyard parses but does not act on: one warning line each, naming its YAML path.

Input is the canonical, normalized project dict.  Every line reads ``<path>: not supported by dockyard yet,
ignored`` (plus a short note where one helps), so that nothing valid is dropped silently.  Attributes that are
applied (see ``compose.translate``) and ``expose`` (documentation only, as in Docker) produce no warning.
"""

from __future__ import annotations

import platform as _platform
from collections.abc import Mapping
from typing import Any

IGNORED = "not supported by dockyard yet, ignored"

# Service attributes that are never applied: key -> note (empty: none).
SERVICE_FIELDS: dict[str, str] = {
    # kernel tuning and resource controls the runtime does not set
    "mem_swappiness": "", "oom_score_adj": "", "oom_kill_disable": "",
    "cpu_quota": "use cpus", "cpu_period": "use cpus", "cpu_count": "use cpus", "cpu_percent": "use cpus",
    "cpu_rt_runtime": "", "cpu_rt_period": "", "cpuset": "", "storage_opt": "",
    "device_cgroup_rules": "", "cgroup_parent": "",
    # isolation and runtimes
    "isolation": "a Windows feature", "credential_spec": "a Windows feature", "userns_mode": "",
    "runtime": "dockyard has its own runtime", "gpus": "",
    # identity and links to the outside
    "mac_address": "set it on a network attachment: networks.<name>.mac_address", "external_links": "",
    "use_api_socket": "", "annotations": "",
    # compose features dockyard does not implement
    "models": "", "provider": "",
    "pre_start": "", "post_start": "", "pre_stop": "",
    "label_file": "the labels in these files are not read",
}  # fmt: skip
TOP_FIELDS: dict[str, str] = {"models": ""}
LOG_DRIVERS = ("json-file", "local", "none")
_BUILD_FIELDS = ("ssh", "secrets", "cache_to", "entitlements", "isolation", "ulimits", "privileged")
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
         "armv6l": "arm", "i686": "386", "i386": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def line(path: str, note: str = "") -> str:
    """One warning: ``<path>: not supported by dockyard yet, ignored[ (note)]``."""
    return f"{path}: {IGNORED}" + (f" ({note})" if note else "")


def _set(value: Any) -> bool:
    return value not in (None, [], {}, "")


def host_arch() -> str:
    """The host's architecture in OCI spelling (amd64, arm64, ...)."""
    machine = _platform.machine().lower()
    return _ARCH.get(machine, machine)


def _namespaces(where: str, svc: Mapping[str, Any]) -> list[str]:
    out = []
    if _set(svc.get("uts")):
        out.append(line(f"{where}.uts", "containers always get their own UTS namespace"))
    if svc.get("cgroup") == "host":
        out.append(line(f"{where}.cgroup", "containers always get a private cgroup namespace"))
    return out


def _mounts(where: str, svc: Mapping[str, Any]) -> list[str]:
    out = []
    for i, mount in enumerate(svc.get("volumes") or ()):
        bind = mount.get("bind") or {}
        if bind.get("selinux"):
            out.append(line(f"{where}.volumes[{i}].bind.selinux", f"SELinux relabel :{bind['selinux']}"))
        if bind.get("recursive") not in (None, "enabled"):
            out.append(line(f"{where}.volumes[{i}].bind.recursive"))
        if (mount.get("volume") or {}).get("subpath"):
            out.append(line(f"{where}.volumes[{i}].volume.subpath"))
    return out


def _networks(where: str, svc: Mapping[str, Any], data_networks: Mapping[str, Any]) -> list[str]:
    nets = svc.get("networks") if isinstance(svc.get("networks"), Mapping) else {}
    return [f"{where}.networks.{name}.ipv6_address: the network has no enable_ipv6: true, so it is ignored"
            for name, net in nets.items() if isinstance(net, Mapping) and net.get("ipv6_address")
            and not (data_networks.get(name) or {}).get("enable_ipv6")]


def _file_refs(where: str, svc: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """Secrets and configs come from a file, ``environment`` or ``content``; ``external`` ones live in a Swarm."""
    out = []
    for kind in ("secrets", "configs"):
        defined = data.get(kind) or {}
        for i, ref in enumerate(svc.get(kind) or ()):
            source = ref.get("source") if isinstance(ref, Mapping) else ref
            top = defined.get(source) or {}
            if top.get("external"):
                out.append(line(f"{where}.{kind}[{i}]", f"external {kind} are Swarm's; not mounted"))
    return out


def _deploy(where: str, svc: Mapping[str, Any]) -> list[str]:
    deploy = svc.get("deploy") or {}
    out = []
    if deploy.get("mode") == "global":
        out.append(f"{where}.deploy.mode: global mode is a Swarm feature; one replica per host is used")
    reservations = (deploy.get("resources") or {}).get("reservations") or {}
    if _set(reservations.get("devices")):
        out.append(line(f"{where}.deploy.resources.reservations.devices"))
    return out


def _other(where: str, svc: Mapping[str, Any], arch: str) -> list[str]:
    out = []
    driver = (svc.get("logging") or {}).get("driver")
    if driver and driver not in LOG_DRIVERS:
        out.append(f"{where}.logging.driver: {driver!r} is not supported by dockyard yet "
                   f"(it writes {', '.join(LOG_DRIVERS)})")
    wanted = str(svc.get("platform") or "")
    parts = wanted.split("/")
    if len(parts) >= 2 and parts[1] and parts[1] != arch:
        out.append(f"{where}.platform: {wanted} is not the host's platform (linux/{arch}); dockyard runs no emulation")
    build = svc.get("build") if isinstance(svc.get("build"), Mapping) else {}
    out += [f"{where}.build.{key}: not supported by dockyard's builder" for key in _BUILD_FIELDS if build.get(key)]
    if svc.get("attach") is False:
        out.append(f"{where}.attach: attach: false is not supported; logs of every service are shown")
    return out


def unsupported_fields(data: Mapping[str, Any], *, arch: str | None = None) -> list[str]:
    """Warnings for valid attributes dockyard does not act on, each naming its YAML path."""
    arch = arch or host_arch()
    out = [line(key, note) for key, note in TOP_FIELDS.items() if _set(data.get(key))]
    for name, svc in (data.get("services") or {}).items():
        svc = svc or {}
        where = f"services.{name}"
        out += [line(f"{where}.{key}", note) for key, note in SERVICE_FIELDS.items() if _set(svc.get(key))]
        out += _namespaces(where, svc) + _mounts(where, svc) + _networks(where, svc, data.get("networks") or {})
        out += _deploy(where, svc) + _other(where, svc, arch) + _file_refs(where, svc, data)
    return out
