"""Service -> runtime specs (ContainerSpec, NetworkSpec, VolumeSpec). PURE: no I/O, no clock.

Names follow Docker Compose: containers ``<project>-<service>-<n>``, networks ``<project>_<key>`` and volumes
``<project>_<key>`` (the loader already put the final names on ``Network.name`` / ``Volume.name``).
"""

from __future__ import annotations

from collections.abc import Mapping

from compose import labels as L
from compose.errors import ComposeError
from compose.loader.canonical_values import parse_bytes, split_command
from compose.model import Healthcheck, Mount, Network, Project, Service, Volume
from runtime import (
    BlkioSpec,
    ContainerSpec,
    FileSpec,
    HealthcheckSpec,
    LogSpec,
    MountSpec,
    NetworkAttachment,
    NetworkSpec,
    PortSpec,
    ResourceSpec,
    RestartSpec,
    VolumeSpec,
)

DOCKYARD_VERSION = "dockyard-0.1.0"
UNHEALTHY_LABEL = "dockyard.restart-on-unhealthy"


def image_of(project: str, service: Service) -> str:
    """The image a service runs: ``image``, else the name compose gives a built image (``<project>-<service>``)."""
    return service.image or f"{project}-{service.name}"


def container_name_of(project: str, service: Service, number: int) -> str:
    return service.container_name or L.container_name(project, service.name, number)


def depends_on_label(service: Service) -> str:
    """Docker Compose's ``com.docker.compose.depends_on``: ``db:service_healthy:false,...``."""
    return ",".join(f"{d.service}:{d.condition}:{str(d.restart).lower()}" for d in service.depends_on)


def container_labels(project: Project, service: Service, number: int, *, oneoff: bool = False) -> dict[str, str]:
    out = dict(service.labels)
    out.update(L.service_labels(project.name, service.name, number, hash_=service.config_hash, oneoff=oneoff,
                                depends_on=depends_on_label(service)))
    out[L.VERSION] = DOCKYARD_VERSION
    out[L.IMAGE] = image_of(project.name, service)
    if project.working_dir:
        out[L.WORKING_DIR] = project.working_dir
    return out


def _command(value: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(split_command(value if isinstance(value, str) else list(value)))


def _mount(project: Project, mount: Mount) -> MountSpec:
    if mount.type == "volume":
        source = mount.source
        if source and source in project.volumes:
            source = project.volumes[source].name
        nocopy = bool(mount.volume and mount.volume.nocopy)
        return MountSpec("volume", mount.target, source, mount.read_only, nocopy=nocopy)
    if mount.type == "tmpfs":
        size = mount.tmpfs.size if mount.tmpfs else None
        mode = mount.tmpfs.mode if mount.tmpfs else None
        return MountSpec("tmpfs", mount.target, None, mount.read_only, tmpfs_size=size, tmpfs_mode=mode)
    bind = mount.bind
    return MountSpec(
        "bind", mount.target, mount.source, mount.read_only,
        propagation=(bind.propagation if bind and bind.propagation else "rprivate"),
        create_host_path=bool(bind.create_host_path) if bind else True,
    )


def _tmpfs(entry: str) -> MountSpec:
    target, _, opts = entry.partition(":")
    size = None
    for opt in filter(None, opts.split(",")):
        key, _, value = opt.partition("=")
        if key == "size" and value:
            size = parse_bytes(value)
    return MountSpec("tmpfs", target, tmpfs_size=size)


def mounts_of(project: Project, service: Service) -> tuple[MountSpec, ...]:
    return (
        tuple(_mount(project, m) for m in service.mounts)
        + tuple(_tmpfs(t) for t in service.tmpfs)
        + file_refs(project.secrets, service.secrets, "/run/secrets")
        + file_refs(project.configs, service.configs, "")
    )


def file_refs(defined: Mapping, refs, base: str) -> tuple[MountSpec, ...]:
    """File-based secrets (under /run/secrets) and configs (under /) as read-only binds, as docker compose does
    outside Swarm. Those defined by ``content``/``environment`` are ``inline_files``."""
    out = []
    for ref in refs:
        item = defined.get(ref.source)
        if item is None or not item.file:
            continue
        out.append(MountSpec("bind", _ref_target(ref, base), item.file, True, create_host_path=False))
    return tuple(out)


def inline_files(defined: Mapping, refs, base: str, kind: str, service: str) -> tuple[FileSpec, ...]:
    """Secrets (under /run/secrets) and configs (under /) defined by ``content`` or ``environment``: files with
    that content, mode 0444 and owner root unless the service's reference says otherwise, as docker compose writes
    them into the container."""
    out = []
    for ref in refs:
        item = defined.get(ref.source)
        if item is None or item.file or item.external or not (item.environment or item.content is not None):
            continue
        if item.content is None:
            raise ComposeError(f"service {service!r}: {kind[:-1]} {ref.source!r} takes its content from the "
                               f"environment variable {item.environment}, which is not set",
                               hint=f"set {item.environment} (in the environment or the project's .env file)")
        out.append(FileSpec(_ref_target(ref, base), item.content, 0o444 if ref.mode is None else ref.mode,
                            _owner(ref.uid, "uid", ref.source, service), _owner(ref.gid, "gid", ref.source, service)))
    return tuple(out)


def _ref_target(ref, base: str) -> str:  # noqa: ANN001
    target = ref.target or ref.source
    return target if target.startswith("/") else f"{base}/{target}"


def _owner(value: str | None, what: str, source: str, service: str) -> int:
    if value is None or value == "":
        return 0
    if not str(value).isdigit():
        raise ComposeError(f"service {service!r}: {what} {value!r} of {source!r} is not a number",
                           hint=f"give the numeric {what} (names are not looked up in the image)")
    return int(value)


def _ports(service: Service) -> tuple[PortSpec, ...]:
    out: list[PortSpec] = []
    for port in service.ports:
        published = port.published_range()
        host_port = published[0] if published else 0
        if port.host_ip and ":" in port.host_ip:  # refused here, before up makes anything
            raise ComposeError(f"service {service.name!r}: ports: host_ip {port.host_ip} is an IPv6 address; dockyard "
                               "publishes ports on IPv4 addresses only",
                               hint="publish on 127.0.0.1 or 0.0.0.0, or leave the address out (all IPv4 ones)")
        out.append(PortSpec(port.target, host_port, port.protocol, port.host_ip or "0.0.0.0"))
    return tuple(out)


def _network_mode(project: str, service: Service, resolve: Mapping[str, str]) -> str:
    mode = service.network_mode
    if not mode:
        return "bridge"
    if mode.startswith("service:"):
        target = mode[len("service:"):]
        return f"container:{resolve.get(target) or L.container_name(project, target, 1)}"
    return "bridge" if mode == "default" else mode


def _attachments(project: Project, service: Service, name: str) -> tuple[NetworkAttachment, ...]:
    out = []
    for net in service.networks:
        network = project.networks.get(net.name)
        aliases = tuple(dict.fromkeys((service.name, name, *net.aliases)))
        out.append(NetworkAttachment(network.name if network else net.name, aliases, net.ipv4_address,
                                     net.mac_address, net.priority, net.gw_priority, ipv6_address=net.ipv6_address,
                                     links=links_of(service)))
    return tuple(sorted(out, key=lambda a: -a.priority))


def links_of(service: Service) -> tuple[tuple[str, str], ...]:
    """``links: [db:linkeddb]``: (``linkeddb``, ``db``), an alias only this service's containers resolve, as ``db``
    resolves on their networks (Docker's legacy links are scoped to the linking container the same way). A link
    without an alias, or to its own name, adds nothing: the service name resolves already."""
    out = []
    for link in service.links:
        target, _, alias = link.partition(":")
        if alias and alias != target:
            out.append((alias, target))
    return tuple(dict.fromkeys(out))


def volumes_from_of(project: Project, service: Service, resolve: Mapping[str, str]) -> tuple[str, ...]:
    """``volumes_from: [svc[:ro|rw], container:name[:ro|rw]]`` -> ``<container name>[:ro|:rw]`` for the runtime
    (a service means its first replica, as ``network_mode: service:x`` does)."""
    out = []
    for entry in service.volumes_from:
        if entry.startswith("container:"):
            out.append(entry[len("container:"):])
            continue
        source, sep, mode = entry.partition(":")
        known = project.services.get(source)
        container = resolve.get(source) or (container_name_of(project.name, known, 1) if known
                                            else L.container_name(project.name, source, 1))
        out.append(f"{container}{sep}{mode}")
    return tuple(out)


def restart_of(service: Service) -> RestartSpec:
    """``restart:`` wins; else ``deploy.restart_policy`` (condition none/on-failure/any)."""
    on_unhealthy = _restart_on_unhealthy(service)
    if service.restart:
        name, _, count = service.restart.partition(":")
        return RestartSpec(name, int(count or 0), on_unhealthy=on_unhealthy)
    policy = service.deploy.restart_policy if service.deploy else None
    if policy is None:
        return RestartSpec(on_unhealthy=on_unhealthy)
    name = {"none": "no", "on-failure": "on-failure", "any": "always"}.get(policy.condition, "always")
    return RestartSpec(name, policy.max_attempts or 0, policy.delay, policy.window, on_unhealthy)


def _restart_on_unhealthy(service: Service) -> bool:
    ext = service.extra.get("x-dockyard") if service.extra else None
    if isinstance(ext, Mapping) and ext.get("restart_on_unhealthy") is not None:
        return str(ext.get("restart_on_unhealthy")).lower() in ("1", "true", "yes")
    return str(service.labels.get(UNHEALTHY_LABEL, "")).lower() in ("1", "true", "yes")


def healthcheck_of(check: Healthcheck | None) -> HealthcheckSpec | None:
    """None: use the image's HEALTHCHECK. An empty ``test`` keeps the image's test with these timings."""
    if check is None or check.disabled:
        return None
    d = HealthcheckSpec(test=())
    return HealthcheckSpec(
        test=tuple(check.test),
        interval=d.interval if check.interval is None else check.interval,
        timeout=d.timeout if check.timeout is None else check.timeout,
        retries=d.retries if check.retries is None else check.retries,
        start_period=d.start_period if check.start_period is None else check.start_period,
        start_interval=d.start_interval if check.start_interval is None else check.start_interval,
    )


def _logging(service: Service) -> LogSpec:
    if service.logging is None:
        return LogSpec()
    opts = service.logging.options
    size = parse_bytes(opts["max-size"]) if opts.get("max-size") else None
    files = int(opts["max-file"]) if opts.get("max-file") else None
    return LogSpec(service.logging.driver or "json-file", size, files)


def _resources(service: Service) -> ResourceSpec:
    limits = service.deploy.limits if service.deploy else None
    reservations = service.deploy.reservations if service.deploy else None
    return ResourceSpec(
        memory=service.mem_limit or (limits.memory if limits else None),
        memory_swap=service.memswap_limit,
        memory_reservation=service.mem_reservation or (reservations.memory if reservations else None),
        cpus=service.cpus or (limits.cpus if limits else None),
        cpu_shares=service.cpu_shares,
        pids_limit=service.pids_limit or (limits.pids if limits else None),
        shm_size=service.shm_size,
        blkio=_blkio(service.extra.get("blkio_config")),
    )


_BLKIO_RULES = (("weight_device", "weight", "weight_device"), ("device_read_bps", "rate", "read_bps"),
                ("device_write_bps", "rate", "write_bps"), ("device_read_iops", "rate", "read_iops"),
                ("device_write_iops", "rate", "write_iops"))


def _blkio(config: Mapping | None) -> BlkioSpec | None:
    """``blkio_config`` (kept in ``Service.extra``) -> per-device rules; rates like ``12mb`` become bytes."""
    if not config:
        return None
    rules = {
        field: tuple((str(d["path"]), parse_bytes(d[key]) if "bps" in field else int(d[key]))
                     for d in config.get(name) or ())
        for name, key, field in _BLKIO_RULES
    }
    weight = config.get("weight")
    return BlkioSpec(weight=None if weight is None else int(weight), **rules)


def container_spec(
    project: Project, service: Service, number: int, *, resolve: Mapping[str, str] | None = None,
    oneoff: bool = False, name: str | None = None, extra_labels: tuple[tuple[str, str], ...] = (),
) -> ContainerSpec:
    """The container for replica ``number`` of ``service``. ``resolve`` maps service -> a container name for
    ``network_mode``/``ipc``/``pid: service:x``."""
    resolve = resolve or {}
    cname = name or (L.container_name(project.name, service.name, number, oneoff=True) if oneoff
                     else container_name_of(project.name, service, number))
    mode = _network_mode(project.name, service, resolve)
    return ContainerSpec(
        name=cname,
        image=image_of(project.name, service),
        command=_command(service.command),
        entrypoint=_command(service.entrypoint),
        environment=tuple((k, v) for k, v in service.environment.items() if v is not None),
        user=service.user,
        group_add=service.group_add,
        working_dir=service.working_dir,
        hostname=service.hostname,
        domainname=service.domainname,
        labels=tuple(sorted({**dict(extra_labels), **container_labels(project, service, number, oneoff=oneoff)}.items())),
        mounts=mounts_of(project, service),
        files=inline_files(project.secrets, service.secrets, "/run/secrets", "secrets", service.name)
        + inline_files(project.configs, service.configs, "", "configs", service.name),
        volumes_from=volumes_from_of(project, service, resolve),
        network_mode=mode,
        networks=_attachments(project, service, cname) if mode == "bridge" else (),
        ports=_ports(service),
        dns=service.dns,
        dns_search=service.dns_search,
        dns_opt=service.dns_opt,
        extra_hosts=service.extra_hosts,
        ipc=_namespace(service.ipc, project.name, resolve),
        pid=_namespace(service.pid, project.name, resolve),
        cap_add=service.cap_add,
        cap_drop=service.cap_drop,
        privileged=service.privileged,
        security_opt=service.security_opt,
        read_only=service.read_only,
        devices=tuple(f"{d.source}:{d.target}:{d.permissions}" for d in service.devices),
        resources=_resources(service),
        ulimits=tuple((u.name, u.soft, u.hard) for u in service.ulimits),
        sysctls=tuple(service.sysctls.items()),
        init=bool(service.init),
        tty=service.tty,
        stdin_open=service.stdin_open,
        stop_signal=service.stop_signal,
        stop_grace_period=service.stop_grace_period,
        restart=restart_of(service),
        healthcheck=healthcheck_of(service.healthcheck),
        healthcheck_disabled=bool(service.healthcheck and service.healthcheck.disabled),
        logging=_logging(service),
    )


def _namespace(value: str | None, project: str, resolve: Mapping[str, str]) -> str | None:
    if value and value.startswith("service:"):
        target = value[len("service:"):]
        return f"container:{resolve.get(target) or L.container_name(project, target, 1)}"
    return value


def network_spec(project: Project, network: Network) -> NetworkSpec:
    configs = (network.ipam.get("config") or []) if network.ipam else []
    config = next((c for c in configs if ":" not in str(c.get("subnet") or "")), {})
    config6 = next((c for c in configs if ":" in str(c.get("subnet") or "")), {})
    mtu = network.driver_opts.get("com.docker.network.driver.mtu")
    labels = {**network.labels, L.PROJECT: project.name, L.NETWORK: network.key, L.VERSION: DOCKYARD_VERSION}
    return NetworkSpec(
        name=network.name,
        driver=network.driver or "bridge",
        internal=network.internal,
        attachable=network.attachable,
        enable_ipv6=bool(network.enable_ipv6),
        labels=tuple(sorted(labels.items())),
        subnet=config.get("subnet"),
        ip_range=config.get("ip_range"),
        gateway=config.get("gateway"),
        subnet6=config6.get("subnet"),
        gateway6=config6.get("gateway"),
        mtu=int(mtu) if mtu else None,
        bridge_name=network.driver_opts.get("com.docker.network.bridge.name"),
    )


def volume_spec(project: Project, volume: Volume) -> VolumeSpec:
    labels = {**volume.labels, L.PROJECT: project.name, L.VOLUME: volume.key, L.VERSION: DOCKYARD_VERSION}
    return VolumeSpec(volume.name, volume.driver or "local", tuple(sorted(labels.items())),
                      tuple(sorted(volume.driver_opts.items())))


def used_networks(project: Project) -> list[str]:
    """Keys of networks the project's services attach to, in declaration order."""
    used = {n.name for s in project.services.values() if not s.network_mode for n in s.networks}
    return [key for key in project.networks if key in used]


def used_volumes(project: Project) -> list[str]:
    """Keys of top-level volumes used by the services (all declared volumes, like docker compose)."""
    return list(project.volumes)
