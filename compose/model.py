"""The typed compose model: frozen dataclasses built only by ``compose.loader.bind``.

Collections are tuples, mappings are read-only (``types.MappingProxyType``).  Durations are float seconds, byte
sizes ints.  Attributes not modelled yet live in each object's ``extra`` mapping, so nothing is silently dropped.
``with_*`` methods return changed copies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any

from runtime import record

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


def fmap() -> Any:
    """A dataclass field defaulting to the shared empty read-only mapping."""
    return field(default_factory=_empty)


def frozen_map(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy of a mapping (None -> empty)."""
    return MappingProxyType(dict(value or {}))


class _Copy:
    __slots__ = ()

    def with_fields(self, **changes: Any) -> Any:
        """A copy with the given fields replaced."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


# ---------------------------------------------------------------------------------------------------- service parts


@record(slots=True)
class Port(_Copy):
    """One published or exposed port (long syntax)."""

    target: int
    published: str | None = None  # a port or a range "8000-8010"; None = ephemeral
    host_ip: str | None = None
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None

    def published_range(self) -> tuple[int, int] | None:
        """The published port(s) as ``(low, high)``, None when the host picks one."""
        if not self.published:
            return None
        low, _, high = self.published.partition("-")
        return int(low), int(high or low)


@record(slots=True)
class BindOptions:
    propagation: str | None = None
    create_host_path: bool = False
    selinux: str | None = None
    recursive: str | None = None


@record(slots=True)
class VolumeOptions:
    nocopy: bool = False
    subpath: str | None = None


@record(slots=True)
class TmpfsOptions:
    size: int | None = None
    mode: int | None = None


@record(slots=True)
class Mount(_Copy):
    """A service mount: ``type`` is bind, volume, tmpfs, npipe, image or cluster."""

    type: str
    target: str
    source: str | None = None
    read_only: bool = False
    consistency: str | None = None
    bind: BindOptions | None = None
    volume: VolumeOptions | None = None
    tmpfs: TmpfsOptions | None = None
    extra: Mapping[str, Any] = fmap()

    @property
    def is_anonymous(self) -> bool:
        return self.type == "volume" and not self.source


@record(slots=True)
class DependsOn:
    """``depends_on`` entry: wait for ``service`` to reach ``condition``."""

    service: str
    condition: str = "service_started"
    required: bool = True
    restart: bool = False


@record(slots=True)
class Healthcheck(_Copy):
    """Durations in float seconds; None means the default applies."""

    test: tuple[str, ...] = ()
    interval: float | None = None
    timeout: float | None = None
    start_period: float | None = None
    start_interval: float | None = None
    retries: int | None = None
    disable: bool = False

    @property
    def disabled(self) -> bool:
        return self.disable or self.test[:1] == ("NONE",)


@record(slots=True)
class Build(_Copy):
    context: str = "."
    dockerfile: str | None = None
    dockerfile_inline: str | None = None
    args: Mapping[str, str | None] = fmap()
    target: str | None = None
    labels: Mapping[str, str] = fmap()
    network: str | None = None
    tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    cache_from: tuple[str, ...] = ()
    additional_contexts: Mapping[str, str] = fmap()
    shm_size: int | None = None
    pull: bool = False
    no_cache: bool = False
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@record(slots=True)
class ServiceNetwork:
    """A service's attachment to one network (key in the top-level ``networks``)."""

    name: str
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    mac_address: str | None = None
    priority: int = 0
    gw_priority: int = 0
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class RestartPolicy:
    condition: str = "any"
    delay: float | None = None
    max_attempts: int | None = None
    window: float | None = None


@record(slots=True)
class Resources:
    cpus: float | None = None
    memory: int | None = None
    pids: int | None = None
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class Deploy(_Copy):
    mode: str | None = None
    replicas: int | None = None
    limits: Resources = field(default_factory=Resources)
    reservations: Resources = field(default_factory=Resources)
    restart_policy: RestartPolicy | None = None
    labels: Mapping[str, str] = fmap()
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class Logging:
    driver: str | None = None
    options: Mapping[str, str] = fmap()


@record(slots=True)
class FileRef:
    """A service's use of a secret or config."""

    source: str
    target: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: int | None = None


@record(slots=True)
class Device:
    source: str
    target: str
    permissions: str = "rwm"


@record(slots=True)
class EnvFile:
    path: str
    required: bool = True
    format: str | None = None


@record(slots=True)
class WatchRule:
    """One ``develop.watch`` rule (``dockyard watch``): ``path`` absolute on the host (normalize), ``command`` the
    ``exec.command`` of a ``sync+exec`` rule as written."""

    action: str
    path: str
    target: str | None = None
    ignore: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    initial_sync: bool = False
    command: str | tuple[str, ...] | None = None


@record(slots=True)
class Service(_Copy):
    """One service, every attribute in long syntax."""

    name: str
    image: str | None = None
    build: Build | None = None
    command: str | tuple[str, ...] | None = None  # a string is shell-split by translate (split_command)
    entrypoint: str | tuple[str, ...] | None = None
    environment: Mapping[str, str | None] = fmap()
    env_files: tuple[EnvFile, ...] = ()
    ports: tuple[Port, ...] = ()
    expose: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    volumes_from: tuple[str, ...] = ()
    tmpfs: tuple[str, ...] = ()
    depends_on: tuple[DependsOn, ...] = ()
    healthcheck: Healthcheck | None = None
    networks: tuple[ServiceNetwork, ...] = ()
    network_mode: str | None = None
    links: tuple[str, ...] = ()
    restart: str | None = None
    deploy: Deploy | None = None
    scale: int | None = None
    labels: Mapping[str, str] = fmap()
    annotations: Mapping[str, str] = fmap()
    ulimits: tuple[Ulimit, ...] = ()
    extra_hosts: tuple[tuple[str, str], ...] = ()
    sysctls: Mapping[str, str] = fmap()
    devices: tuple[Device, ...] = ()
    secrets: tuple[FileRef, ...] = ()
    configs: tuple[FileRef, ...] = ()
    logging: Logging | None = None
    develop_watch: tuple[WatchRule, ...] = ()
    working_dir: str | None = None
    user: str | None = None
    hostname: str | None = None
    domainname: str | None = None
    container_name: str | None = None
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    group_add: tuple[str, ...] = ()
    privileged: bool = False
    read_only: bool = False
    stdin_open: bool = False
    tty: bool = False
    init: bool | None = None
    stop_signal: str | None = None
    stop_grace_period: float | None = None
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_opt: tuple[str, ...] = ()
    ipc: str | None = None
    pid: str | None = None
    uts: str | None = None
    cgroup: str | None = None
    mem_limit: int | None = None
    mem_reservation: int | None = None
    memswap_limit: int | None = None
    shm_size: int | None = None
    cpus: float | None = None
    cpu_shares: int | None = None
    pids_limit: int | None = None
    pull_policy: str | None = None
    platform: str | None = None
    profiles: tuple[str, ...] = ()
    config_hash: str = ""
    extra: Mapping[str, Any] = fmap()

    @property
    def replicas(self) -> int:
        """How many containers: ``deploy.replicas``, else ``scale``, else 1."""
        if self.deploy is not None and self.deploy.replicas is not None:
            return self.deploy.replicas
        return 1 if self.scale is None else self.scale

    def dependency(self, name: str) -> DependsOn | None:
        return next((d for d in self.depends_on if d.service == name), None)

    def with_image(self, image: str) -> Service:
        return dataclasses.replace(self, image=image)

    def with_environment(self, environment: Mapping[str, str | None]) -> Service:
        return dataclasses.replace(self, environment=frozen_map(environment))

    def with_replicas(self, replicas: int) -> Service:
        deploy = (self.deploy or Deploy()).with_fields(replicas=replicas)
        return dataclasses.replace(self, deploy=deploy, scale=replicas)


# ---------------------------------------------------------------------------------------------------- top level


@record(slots=True)
class Network(_Copy):
    key: str
    name: str
    driver: str | None = None
    driver_opts: Mapping[str, str] = fmap()
    external: bool = False
    internal: bool = False
    attachable: bool = False
    enable_ipv6: bool | None = None
    ipam: Mapping[str, Any] = fmap()
    labels: Mapping[str, str] = fmap()
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class Volume(_Copy):
    key: str
    name: str
    driver: str | None = None
    driver_opts: Mapping[str, str] = fmap()
    external: bool = False
    labels: Mapping[str, str] = fmap()
    extra: Mapping[str, Any] = fmap()


@record(slots=True)
class Secret(_Copy):
    """A top-level secret or config: one of ``file``, ``environment``, ``content`` or ``external``. For
    ``environment`` the loader puts the variable's value in ``content`` (None if it is unset)."""

    key: str
    name: str
    file: str | None = None
    environment: str | None = None
    content: str | None = None
    external: bool = False
    labels: Mapping[str, str] = fmap()
    extra: Mapping[str, Any] = fmap()


Config = Secret


@record(slots=True)
class Project(_Copy):
    name: str
    working_dir: str | None = None
    services: Mapping[str, Service] = fmap()
    networks: Mapping[str, Network] = fmap()
    volumes: Mapping[str, Volume] = fmap()
    secrets: Mapping[str, Secret] = fmap()
    configs: Mapping[str, Config] = fmap()
    extra: Mapping[str, Any] = fmap()

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(self.services)

    def service(self, name: str) -> Service:
        """The named service (KeyError when absent)."""
        return self.services[name]

    def with_service(self, service: Service) -> Project:
        """A copy with ``service`` added or replaced."""
        return dataclasses.replace(self, services=frozen_map({**self.services, service.name: service}))

    def with_services(self, names: tuple[str, ...] | list[str]) -> Project:
        """A copy keeping only the named services (in their original order)."""
        keep = set(names)
        return dataclasses.replace(
            self, services=frozen_map({k: v for k, v in self.services.items() if k in keep})
        )
