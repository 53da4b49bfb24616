"""The high-level ``types.ContainerSpec`` (what compose asks for) + the image config -> the low-level launch spec
(``spec.ContainerSpec``) as Docker would build it; and the launch spec's JSON form (``launch.json``), which the
process that owns the container (holder or monitor) reads back.
"""

from __future__ import annotations

import dataclasses
import signal
from typing import TYPE_CHECKING, Any

from runtime import spec as low
from runtime.errors import ContainerError
from runtime.types import ContainerSpec

if TYPE_CHECKING:
    from runtime.types_later import HealthcheckSpec

DEFAULT_SHM = 64 * 1024 * 1024
NS = 1e9


def parse_signal(value: str | int | None, default: int = int(signal.SIGTERM)) -> int:
    """``SIGTERM``, ``TERM``, ``15`` -> 15."""
    if value is None or value == "":
        return default
    text = str(value).strip().upper()
    if text.isdigit():
        return int(text)
    name = text if text.startswith("SIG") else f"SIG{text}"
    try:
        return int(signal.Signals[name])
    except KeyError:
        raise ContainerError(f"stop_signal {value!r}: unknown signal; use a name like SIGTERM or a number") from None


def command_of(spec: ContainerSpec, config: dict) -> tuple[str, ...]:
    argv = low.merge_command(_tuple(config.get("Entrypoint")), _tuple(config.get("Cmd")), spec.entrypoint,
                             spec.command)
    if not argv:
        raise ContainerError(f"create container {spec.name}: no command specified: the image {spec.image} has no "
                             "Entrypoint or Cmd; give a command")
    return argv


def _tuple(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def healthcheck_of(spec: ContainerSpec, config: dict) -> HealthcheckSpec | None:
    """The service's healthcheck, else the image's HEALTHCHECK; None when disabled or NONE."""
    if spec.healthcheck_disabled:
        return None
    hc = spec.healthcheck
    if hc is None:
        img = config.get("Healthcheck") or {}
        test = tuple(img.get("Test") or ())
        if not test:
            return None
        from runtime.types_later import HealthcheckSpec

        defaults = HealthcheckSpec(test=("NONE",))
        hc = HealthcheckSpec(
            test=test,
            interval=(img.get("Interval") or 0) / NS or defaults.interval,
            timeout=(img.get("Timeout") or 0) / NS or defaults.timeout,
            retries=img.get("Retries") or defaults.retries,
            start_period=(img.get("StartPeriod") or 0) / NS,
            start_interval=(img.get("StartInterval") or 0) / NS or defaults.start_interval,
        )
    if not hc.test or hc.test[0] == "NONE":
        return None
    return hc


def image_volume_targets(spec: ContainerSpec, config: dict) -> list[str]:
    """The image's VOLUME paths that no mount of the spec covers (each gets an anonymous volume)."""
    taken = {m.target.rstrip("/") or "/" for m in spec.mounts}
    return [t for t in sorted(config.get("Volumes") or {}) if (t.rstrip("/") or "/") not in taken]


def _namespaces(spec: ContainerSpec, netns: str | None, peers: dict[str, str]) -> tuple[low.Namespace, ...]:
    """``peers`` maps "ipc"/"pid" to a namespace path of another container (``ipc: container:x``)."""
    out = [low.Namespace("mount"), low.Namespace("uts"), low.Namespace("cgroup")]
    out.append(low.Namespace("pid", host=True) if spec.pid == "host" else low.Namespace("pid", path=peers.get("pid")))
    out.append(low.Namespace("ipc", host=True) if spec.ipc == "host" else low.Namespace("ipc", path=peers.get("ipc")))
    if spec.network_mode == "host":
        out.append(low.Namespace("net", host=True))
    else:
        out.append(low.Namespace("net", path=netns))
    return tuple(out)


def device_mounts(spec: ContainerSpec) -> tuple[low.Mount, ...]:
    """``devices`` entries (``HOST[:CONTAINER[:PERMISSIONS]]`` text, or (host, container, permissions)) as
    ``device`` entries of the launch spec: the node appears at the container path and the device cgroup allows it
    (read-only when the permissions have no ``w``).

    """
    out = []
    for entry in getattr(spec, "devices", ()) or ():
        parts = entry.split(":") if isinstance(entry, str) else list(entry)
        host = parts[0]
        target = parts[1] if len(parts) > 1 and parts[1] else host
        perms = parts[2] if len(parts) > 2 and parts[2] else "rwm"
        if not host.startswith("/") or not target.startswith("/") or set(perms) - set("rwm"):
            raise ContainerError(f"create container {spec.name}: device {entry!r}: use HOST_PATH[:CONTAINER_PATH"
                                 "[:PERMISSIONS]] with absolute paths and permissions of r, w, m")
        out.append(low.Mount("device", target, host, readonly="w" not in perms))
    return tuple(out)


def _security(spec: ContainerSpec) -> tuple[low.Security, bool]:
    seccomp, nnp = "default", False
    for opt in spec.security_opt:
        key, _, value = opt.replace(":", "=", 1).partition("=")
        if key == "seccomp" and value == "unconfined":
            seccomp = "unconfined"
        elif key == "no-new-privileges":
            nnp = value in ("", "true")
        elif key in ("label", "apparmor"):
            continue  # no SELinux / AppArmor here; Docker ignores them on such hosts too
        else:
            raise ContainerError(f"create container {spec.name}: security_opt {opt!r} is not supported; use "
                                 "no-new-privileges or seccomp=unconfined")
    return low.Security(cap_add=spec.cap_add, cap_drop=spec.cap_drop, privileged=spec.privileged,
                        seccomp=seccomp), nnp


def build(spec: ContainerSpec, cid: str, cdir: str, config: dict, layers: list[str], mounts: list[low.Mount],
          netns: str | None, peers: dict[str, str] | None = None) -> low.ContainerSpec:
    """The launch spec of one container (its mounts already resolved to host paths)."""
    security, nnp = _security(spec)
    res = spec.resources
    user = spec.user if spec.user is not None else (config.get("User") or "")
    process = low.ProcessSpec(
        args=command_of(spec, config),
        env=low.merge_env(tuple(config.get("Env") or ()), dict(spec.environment)),
        cwd=spec.working_dir or config.get("WorkingDir") or "/",
        user=low.User(user, spec.group_add),
        rlimits=tuple(low.Rlimit(n, s, h) for n, s, h in spec.ulimits),
        terminal=spec.tty,  # a pty from the container's devpts: its master goes to the monitor (or the caller)
        no_new_privileges=nnp,
    )
    return low.ContainerSpec(
        id=cid,
        rootfs=low.RootfsSpec(tuple(layers), cdir, readonly=spec.read_only),
        process=process,
        hostname=spec.hostname or ("" if spec.network_mode == "host" else cid[:12]),
        domainname=spec.domainname or "",
        mounts=(*mounts, *device_mounts(spec)),
        namespaces=_namespaces(spec, netns, peers or {}),
        security=security,
        resources=low.Resources(memory=res.memory, memory_swap=res.memory_swap,
                                memory_reservation=res.memory_reservation, cpus=res.cpus, cpu_shares=res.cpu_shares,
                                cpuset_cpus=res.cpuset, pids_limit=res.pids_limit,
                                blkio=low.Blkio(**dataclasses.asdict(res.blkio)) if res.blkio else None),
        sysctls=spec.sysctls,
        shm_size=res.shm_size or DEFAULT_SHM,
        init=spec.init,
        stop_signal=parse_signal(spec.stop_signal or config.get("StopSignal")),
        stop_grace_period=10.0 if spec.stop_grace_period is None else spec.stop_grace_period,
        labels=spec.labels,
    )


# -- launch.json -----------------------------------------------------------------------------------------------

def to_json(spec: low.ContainerSpec) -> dict:
    return dataclasses.asdict(spec)


def from_json(data: dict) -> low.ContainerSpec:
    """Rebuild a launch spec from ``to_json`` output."""
    return low.ContainerSpec.from_dict(data)


# -- the record's copy of the high-level spec ---------------------------------------------------------------

def plain(obj: object) -> object:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj  # type: ignore[arg-type]


def recorded(spec: ContainerSpec) -> dict:
    """The spec as the container's record keeps it: its files' contents (secrets) stay out of it."""
    data = plain(spec)
    for entry in data["files"]:  # type: ignore[index]
        entry["content"] = None
    return data  # type: ignore[return-value]


def check_policies(spec: ContainerSpec) -> None:
    """Refuse at create what the monitor would refuse at start: log driver/options, restart policy."""
    from runtime.supervise.logs import LogOptions
    from runtime.supervise.restart import MODES

    log = log_config(spec)
    LogOptions.build(log["driver"], log["options"])
    for port in spec.ports:
        if ":" in port.host_ip:
            raise ContainerError(f"create container {spec.name}: publish {port.host_ip}:{port.host_port}: IPv6 host "
                                 "addresses are not supported; publish on 127.0.0.1 or 0.0.0.0")
    if spec.restart.policy not in MODES:
        raise ContainerError(f"create container {spec.name}: restart policy {spec.restart.policy!r} is unknown; use "
                             f"one of {', '.join(MODES)}")


def host_warnings(spec: ContainerSpec) -> list[str]:
    """What this host will not apply of ``spec`` (``create`` returns it, as Docker's create response does):
    blkio weights without a proportional I/O scheduler."""
    b = spec.resources.blkio
    if b is None or (b.weight is None and not b.weight_device):
        return []
    from runtime import containers

    return containers.cgroups().blkio_warnings(low.Blkio(**dataclasses.asdict(b)))


def log_config(spec: ContainerSpec) -> dict:
    opts = {}
    if spec.logging.max_size:
        opts["max-size"] = spec.logging.max_size
    if spec.logging.max_file:
        opts["max-file"] = spec.logging.max_file
    return {"driver": spec.logging.driver, "options": opts}


def spec_of_record(rec: dict) -> ContainerSpec:
    """The high-level spec back from its record (only what start needs: networking and naming)."""
    from runtime.types import NetworkAttachment, PortSpec

    s = rec["spec"]
    return ContainerSpec(
        name=s["name"], image=s["image"], hostname=s.get("hostname"), network_mode=s["network_mode"],
        networks=tuple(NetworkAttachment(**{**n, "aliases": tuple(n["aliases"])}) for n in s["networks"]),
        ports=tuple(PortSpec(**p) for p in s["ports"]), dns=tuple(s["dns"]), dns_search=tuple(s["dns_search"]),
        dns_opt=tuple(s["dns_opt"]), extra_hosts=tuple(tuple(h) for h in s["extra_hosts"]),  # type: ignore[misc]
        ipc=s.get("ipc"), pid=s.get("pid"), labels=tuple(tuple(lb) for lb in s["labels"]),  # type: ignore[misc]
    )
