"""The public data of the runtime's seam: what compose asks for (*Spec) and reads back (*Info).

Plain frozen dataclasses. Labels are opaque to the runtime: it stores them and filters by them, nothing more.
Durations are float seconds, sizes bytes, signals numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.network.spec import NetworkInfo, NetworkSpec, PortInfo, PortSpec
from runtime.records import record

if TYPE_CHECKING:
    from runtime.types_later import BlkioSpec, DeviceRule, HealthcheckSpec, HealthInfo, VolumeInfo, VolumeSpec

Labels = tuple[tuple[str, str], ...]
# Defined in runtime.types_later and loaded on first use (PEP 562): a plain `container run` builds none of them.
_LATER = frozenset({"BlkioSpec", "DeviceRule", "HealthInfo", "HealthcheckSpec", "VolumeInfo", "VolumeSpec"})


def __getattr__(name: str) -> Any:
    if name not in _LATER:
        raise AttributeError(f"module 'runtime.types' has no attribute {name!r}")
    from runtime import types_later

    value = getattr(types_later, name)
    globals()[name] = value
    return value


@record
class MountSpec:
    """``kind``: bind (source = host path), volume (source = volume name, None = anonymous), tmpfs."""

    kind: str
    target: str
    source: str | None = None
    read_only: bool = False
    propagation: str = "rprivate"
    create_host_path: bool = True
    nocopy: bool = False
    tmpfs_size: int | None = None
    tmpfs_mode: int | None = None


@record
class FileSpec:
    """A file the container sees, read-only, at ``target`` (absolute): ``content`` with this mode and owner.
    Compose's secrets and configs defined by ``content:`` or ``environment:``. The runtime keeps the content in
    the container's directory only (the container's record names the target, not the content)."""

    target: str
    content: str
    mode: int = 0o444
    uid: int = 0
    gid: int = 0


@record
class NetworkAttachment:
    """Join ``network`` (its human name) with these DNS names and optional fixed address.

    ``links``: (alias, name) pairs that only this container resolves: ``alias`` answers as ``name`` does on its
    networks (Compose's ``links: [db:database]``, Docker's legacy links, scoped to the linking container)."""

    network: str
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    mac_address: str | None = None
    priority: int = 0
    gw_priority: int = 0
    ipv6_address: str | None = None
    links: tuple[tuple[str, str], ...] = ()


@record
class RestartSpec:
    """``policy``: no, always, on-failure, unless-stopped; ``max_attempts`` 0 = unlimited."""

    policy: str = "no"
    max_attempts: int = 0
    delay: float | None = None
    window: float | None = None
    on_unhealthy: bool = False


@record
class LogSpec:
    driver: str = "json-file"
    max_size: int | None = None
    max_file: int | None = None


@record
class ResourceSpec:
    memory: int | None = None
    memory_swap: int | None = None
    memory_reservation: int | None = None
    cpus: float | None = None
    cpu_shares: int | None = None
    cpuset: str | None = None
    pids_limit: int | None = None
    shm_size: int | None = None
    blkio: BlkioSpec | None = None


@record
class ContainerSpec:
    """One container to create, as the compose layer (or `dockyard container run`) asks for it.

    ``entrypoint``/``command`` None means "use the image's"; the runtime merges them with the image config as
    Docker does. ``network_mode``: "bridge" (attach ``networks``), "none", "host", "container:<id>".
    """

    name: str
    image: str
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    user: str | None = None
    group_add: tuple[str, ...] = ()
    working_dir: str | None = None
    hostname: str | None = None
    domainname: str | None = None
    labels: Labels = ()
    mounts: tuple[MountSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()  # bound read-only, each at its target
    volumes_from: tuple[str, ...] = ()  # "<container>[:ro|:rw]": its volumes and binds at the same targets
    network_mode: str = "bridge"
    networks: tuple[NetworkAttachment, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_opt: tuple[str, ...] = ()
    extra_hosts: tuple[tuple[str, str], ...] = ()
    ipc: str | None = None
    pid: str | None = None
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    security_opt: tuple[str, ...] = ()
    read_only: bool = False
    devices: tuple[str, ...] = ()  # HOST[:CONTAINER[:PERMS]] as in compose's devices:
    resources: ResourceSpec = ResourceSpec()
    ulimits: tuple[tuple[str, int, int], ...] = ()
    sysctls: tuple[tuple[str, str], ...] = ()
    init: bool = False
    tty: bool = False
    stdin_open: bool = False
    stop_signal: str | None = None
    stop_grace_period: float | None = None
    restart: RestartSpec = RestartSpec()
    healthcheck: HealthcheckSpec | None = None
    healthcheck_disabled: bool = False
    logging: LogSpec = LogSpec()

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


@record
class ContainerInfo:
    """A container read back from state (what `ps` and `inspect` show)."""

    id: str
    name: str
    image: str
    image_id: str
    command: tuple[str, ...]
    labels: Labels
    state: str  # created, running, paused, restarting, exited, dead
    created: str
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    oom_killed: bool = False
    pid: int | None = None
    restart_count: int = 0
    health: HealthInfo | None = None
    ports: tuple[PortInfo, ...] = ()
    networks: tuple[tuple[str, str], ...] = ()  # (network name, ipv4 address)
    warnings: tuple[str, ...] = ()  # what the host does not apply of its spec (e.g. a blkio weight), as at create

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True)  # a plain dataclass: made by the million (logs), where its generated __init__ pays off
class LogLine:
    """One line of a container's output."""

    container: str
    time: str  # RFC 3339 with nanoseconds, UTC
    stream: str  # stdout or stderr
    text: str


__all__ = [
    "ContainerInfo", "ContainerSpec", "HealthInfo", "HealthcheckSpec", "LogLine", "LogSpec", "MountSpec",
    "NetworkAttachment", "NetworkInfo", "NetworkSpec", "PortInfo", "PortSpec", "ResourceSpec", "RestartSpec",
    "VolumeInfo", "VolumeSpec",
]
