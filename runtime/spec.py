"""Our small OCI-like container config: plain frozen dataclasses, plus Docker's command and env merge rules.

A ``ContainerSpec`` is everything the launcher needs to start one container; it knows nothing of compose files.
"""

from __future__ import annotations

import signal
from dataclasses import field, replace
from pathlib import Path

from runtime.records import record

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Docker's default capability set (moby oci/caps/defaults.go): CapEff 00000000a80425fb.
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
)

MASKED_PATHS: tuple[str, ...] = (
    "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
)

READONLY_PATHS: tuple[str, ...] = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")

NAMESPACE_KINDS: tuple[str, ...] = ("pid", "mount", "uts", "ipc", "net", "cgroup")


@record
class User:
    """``user`` as written: ``name``, ``uid``, ``uid:gid``, ``name:group``; names resolve in the container."""

    spec: str = ""
    group_add: tuple[str, ...] = ()


@record
class Rlimit:
    """One ulimit: ``name`` as Docker spells it (nofile, nproc, core, memlock, stack...)."""

    name: str
    soft: int
    hard: int


@record
class ProcessSpec:
    """What runs: argv, environment (``KEY=VALUE``), working dir, user, limits, tty."""

    args: tuple[str, ...]
    env: tuple[str, ...] = ()
    cwd: str = "/"
    user: User = User()
    rlimits: tuple[Rlimit, ...] = ()
    terminal: bool = False
    no_new_privileges: bool = False


@record
class Mount:
    """A mount from the service: ``kind`` is ``bind``, ``volume`` (source = the volume's host dir) or ``tmpfs``."""

    kind: str
    destination: str
    source: str | None = None
    readonly: bool = False
    propagation: str = "rprivate"
    create_host_path: bool = False
    tmpfs_size: int | None = None
    tmpfs_mode: int | None = None


@record
class Namespace:
    """A namespace to create (``path`` None) or to join (``path`` = /proc/PID/ns/KIND or a bind-mounted ns file).

    ``host`` True means stay in the caller's namespace (``network_mode: host``, ``pid: host``, ``ipc: host``).
    """

    kind: str
    path: str | None = None
    host: bool = False


@record
class Blkio:
    """Block I/O cgroup controls: (host device path, value) per device; rates in bytes/s or ops/s."""

    weight: int | None = None
    weight_device: tuple[tuple[str, int], ...] = ()
    read_bps: tuple[tuple[str, int], ...] = ()
    write_bps: tuple[tuple[str, int], ...] = ()
    read_iops: tuple[tuple[str, int], ...] = ()
    write_iops: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> Blkio:
        rules = {k: tuple((str(p), int(v)) for p, v in data.get(k) or ()) for k in
                 ("weight_device", "read_bps", "write_bps", "read_iops", "write_iops")}
        return cls(weight=data.get("weight"), **rules)


@record
class Resources:
    """cgroup limits; None means unlimited / kernel default. Sizes in bytes."""

    memory: int | None = None
    memory_swap: int | None = None
    memory_reservation: int | None = None
    cpus: float | None = None
    cpu_shares: int | None = None
    cpuset_cpus: str | None = None
    cpuset_mems: str | None = None
    pids_limit: int | None = None
    blkio: Blkio | None = None

    def is_empty(self) -> bool:
        return self == Resources()

    @classmethod
    def from_dict(cls, data: dict) -> Resources:
        """Rebuild from ``dataclasses.asdict`` output (e.g. launch.json)."""
        blkio = data.get("blkio")
        return cls(**{**data, "blkio": Blkio.from_dict(blkio) if blkio else None})


@record
class Security:
    """Capabilities, seccomp, masked and read-only paths; Docker's defaults unless changed."""

    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    seccomp: str = "default"  # "default" or "unconfined"
    masked_paths: tuple[str, ...] = MASKED_PATHS
    readonly_paths: tuple[str, ...] = READONLY_PATHS


@record
class RootfsSpec:
    """The container's filesystem: image layer dirs (bottom first) under a per-container dir.

    ``container_dir`` holds ``upper/``, ``work/``, ``rootfs/`` (the mount point) and ``hostname``, ``hosts``,
    ``resolv.conf`` (written by the launcher if the caller has not written them).
    """

    layers: tuple[str, ...]
    container_dir: str
    readonly: bool = False

    @property
    def merged(self) -> Path:
        return Path(self.container_dir) / "rootfs"


@record
class ContainerSpec:
    """Everything needed to start one container."""

    id: str
    rootfs: RootfsSpec
    process: ProcessSpec
    hostname: str = ""
    domainname: str = ""
    mounts: tuple[Mount, ...] = ()
    namespaces: tuple[Namespace, ...] = tuple(Namespace(k) for k in NAMESPACE_KINDS)
    security: Security = Security()
    resources: Resources = Resources()
    sysctls: tuple[tuple[str, str], ...] = ()
    shm_size: int = 64 * 1024 * 1024
    init: bool = False
    stop_signal: int = int(signal.SIGTERM)
    stop_grace_period: float = 10.0
    labels: tuple[tuple[str, str], ...] = field(default=())

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def namespace(self, kind: str) -> Namespace | None:
        return next((ns for ns in self.namespaces if ns.kind == kind), None)

    def with_process(self, **changes: object) -> "ContainerSpec":
        return replace(self, process=replace(self.process, **changes))

    @classmethod
    def from_dict(cls, data: dict) -> ContainerSpec:
        """Rebuild a spec from its ``dataclasses.asdict`` form (``launch.json``). Here, beside the classes, so a
        lean process (the monitor's starter) reads launch specs without the high-level types."""
        p, sec, rootfs = data["process"], data["security"], data["rootfs"]
        process = ProcessSpec(
            args=tuple(p["args"]), env=tuple(p["env"]), cwd=p["cwd"],
            user=User(p["user"]["spec"], tuple(p["user"]["group_add"])),
            rlimits=tuple(Rlimit(**r) for r in p["rlimits"]), terminal=p["terminal"],
            no_new_privileges=p["no_new_privileges"])
        return cls(
            id=data["id"], rootfs=RootfsSpec(tuple(rootfs["layers"]), rootfs["container_dir"], rootfs["readonly"]),
            process=process, hostname=data["hostname"], domainname=data["domainname"],
            mounts=tuple(Mount(**m) for m in data["mounts"]),
            namespaces=tuple(Namespace(**n) for n in data["namespaces"]),
            security=Security(cap_add=tuple(sec["cap_add"]), cap_drop=tuple(sec["cap_drop"]),
                              privileged=sec["privileged"], seccomp=sec["seccomp"],
                              masked_paths=tuple(sec["masked_paths"]), readonly_paths=tuple(sec["readonly_paths"])),
            resources=Resources.from_dict(data["resources"]),
            sysctls=tuple(tuple(s) for s in data["sysctls"]),  # type: ignore[misc]
            shm_size=data["shm_size"], init=data["init"], stop_signal=data["stop_signal"],
            stop_grace_period=data["stop_grace_period"],
            labels=tuple(tuple(lb) for lb in data["labels"]),  # type: ignore[misc]
        )


def merge_command(
    image_entrypoint: tuple[str, ...] | None,
    image_cmd: tuple[str, ...] | None,
    entrypoint: tuple[str, ...] | None = None,
    command: tuple[str, ...] | None = None,
) -> tuple[str, ...]:
    """argv as Docker builds it: a given entrypoint replaces the image's and resets the image's Cmd.

    None means "not given"; an empty tuple given as ``entrypoint`` clears the image entrypoint.
    """
    if entrypoint is not None:
        return tuple(entrypoint) + tuple(command or ())
    cmd = command if command is not None else (image_cmd or ())
    return tuple(image_entrypoint or ()) + tuple(cmd)


def merge_env(*layers: dict[str, str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Merge env layers (image, env_file, environment...), later ones winning, first-seen order kept.

    A layer is a mapping or a sequence of ``KEY=VALUE`` strings (a bare ``KEY`` means an empty value).
    """
    merged: dict[str, str] = {}
    for layer in layers:
        items = layer.items() if isinstance(layer, dict) else (_split_env(e) for e in layer)
        for key, value in items:
            merged[key] = value
    return tuple(f"{k}={v}" for k, v in merged.items())


def _split_env(entry: str) -> tuple[str, str]:
    key, _, value = entry.partition("=")
    return key, value


def env_dict(env: tuple[str, ...]) -> dict[str, str]:
    return dict(_split_env(e) for e in env)
