"""Engine-level verbs (``dockyard container ...`` / ``dockyard image ...``): docker-run flags -> ContainerSpec,
and plain rows for listings. Thin: everything else is the runtime's contract."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from compose.errors import ComposeError
from runtime import ContainerSpec, MountSpec, NetworkAttachment, PortSpec, ResourceSpec, RestartSpec

if TYPE_CHECKING:
    from datetime import datetime

# compose.loader.canonical_values (--entrypoint, --memory) and compose.status (listings) load on use: a plain
# `container run` needs neither.


class RunOptions(NamedTuple):
    """``dockyard container run`` flags. A NamedTuple, not a dataclass: it is built once per run, read by
    ``run_spec`` and never copied or introspected, and a 25-field frozen dataclass costs ~3 ms to define at import."""

    image: str
    command: tuple[str, ...] = ()
    name: str | None = None
    detach: bool = False
    remove: bool = False
    env: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    entrypoint: str | None = None
    user: str | None = None
    workdir: str | None = None
    labels: tuple[str, ...] = ()
    network: str | None = None
    tty: bool = False
    interactive: bool = False
    restart: str = "no"
    hostname: str | None = None
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    read_only: bool = False
    memory: str | None = None
    cpus: float | None = None
    pids_limit: int | None = None
    init: bool = False


def parse_env(items: Iterable[str], environ: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE``, or ``KEY`` to take it from the caller's environment (dropped when unset)."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if sep:
            out.append((key, value))
        elif environ is not None and key in environ:
            out.append((key, environ[key]))
    return tuple(out)


def exec_env(items: Iterable[str], environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """``-e`` values as the runtime's exec takes them: ``KEY=VALUE`` strings."""
    return tuple(f"{k}={v}" for k, v in parse_env(items, environ))


def parse_publish(item: str) -> PortSpec:
    """``[IP:][HOST:]CONTAINER[/PROTO]`` -> PortSpec."""
    spec, _, proto = item.partition("/")
    parts = spec.rsplit(":", 2)
    try:
        if len(parts) == 1:
            return PortSpec(int(parts[0]), 0, proto or "tcp")
        if len(parts) == 2:
            return PortSpec(int(parts[1]), int(parts[0] or 0), proto or "tcp")
        return PortSpec(int(parts[2]), int(parts[1] or 0), proto or "tcp", parts[0] or "0.0.0.0")
    except ValueError:
        raise ComposeError(f"invalid port {item!r}", hint="use [IP:][HOST:]CONTAINER[/tcp|udp]") from None


def parse_volume(item: str) -> MountSpec:
    """``/host:/ctr[:ro]`` (bind), ``name:/ctr[:ro]`` (volume) or ``/ctr`` (anonymous volume)."""
    parts = item.split(":")
    if len(parts) == 1:
        return MountSpec("volume", parts[0])
    read_only = len(parts) > 2 and "ro" in parts[2].split(",")
    source, target = parts[0], parts[1]
    kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
    return MountSpec(kind, target, source, read_only)


def run_spec(opts: RunOptions, environ: dict[str, str] | None = None) -> ContainerSpec:
    name = opts.name or f"dockyard-{os.urandom(4).hex()}"
    labels = tuple(sorted(tuple(label.partition("=")[::2]) for label in opts.labels))
    policy, _, count = opts.restart.partition(":")
    if policy not in ("no", "always", "on-failure", "unless-stopped"):
        raise ComposeError(f"invalid restart policy {opts.restart!r}", hint="use no, always, on-failure[:N], unless-stopped")
    network = opts.network or "bridge"
    attachments: tuple[NetworkAttachment, ...] = ()
    if network not in ("bridge", "host", "none") and not network.startswith("container:"):
        attachments, network = (NetworkAttachment(network, (name,)),), "bridge"
    return ContainerSpec(
        name=name, image=opts.image, command=opts.command or None,
        entrypoint=_entrypoint(opts.entrypoint),
        environment=parse_env(opts.env, environ), user=opts.user, working_dir=opts.workdir,
        hostname=opts.hostname, labels=labels, mounts=tuple(parse_volume(v) for v in opts.volumes),
        network_mode=network, networks=attachments, ports=tuple(parse_publish(p) for p in opts.publish),
        tty=opts.tty, stdin_open=opts.interactive, restart=RestartSpec(policy, int(count or 0)),
        cap_add=opts.cap_add, cap_drop=opts.cap_drop, privileged=opts.privileged, read_only=opts.read_only,
        resources=run_resources(opts), init=opts.init,
    )


def _entrypoint(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from compose.loader.canonical_values import split_command

    return tuple(split_command(value))


def run_resources(opts: RunOptions) -> ResourceSpec:
    """``--memory 512m``, ``--cpus 1.5``, ``--pids-limit 100`` -> ResourceSpec (unset flags stay None)."""
    memory = None
    if opts.memory is not None:
        from compose.loader.canonical_values import parse_bytes

        try:
            memory = parse_bytes(opts.memory)
        except ComposeError:
            raise ComposeError(f"invalid --memory {opts.memory!r}", hint="use a number with a unit, e.g. 512m or 1g") from None
    if opts.cpus is not None and opts.cpus <= 0:
        raise ComposeError(f"invalid --cpus {opts.cpus}", hint="use a positive number of CPUs, e.g. 0.5")
    return ResourceSpec(memory=memory, cpus=opts.cpus, pids_limit=opts.pids_limit)


CONTAINER_HEADERS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
IMAGE_HEADERS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")


def container_row(info: Any, now: datetime) -> tuple[str, ...]:
    from compose.status import command_text, created_text, ports_text, status_text

    return (info.id[:12], info.image, command_text(info, 20), created_text(info, now), status_text(info, now),
            ports_text(info), info.name)


def container_json(info: Any, now: datetime) -> dict:
    from compose.status import command_text, ports_text, status_text

    return {"ID": info.id, "Names": info.name, "Image": info.image, "Command": command_text(info),
            "CreatedAt": info.created, "State": info.state, "Status": status_text(info, now),
            "Ports": ports_text(info), "RestartCount": info.restart_count,
            "Labels": ",".join(f"{k}={v}" for k, v in info.labels)}


def split_tag(ref: str) -> tuple[str, str]:
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return name, tag


def image_rows(images: Iterable[Any]) -> list[dict]:
    """One row per tag (``<none>`` for untagged images), as ``docker image ls`` lists them."""
    rows = []
    for image in images:
        for ref in image.repo_tags or ("<none>:<none>",):
            repo, tag = split_tag(ref)
            rows.append({"Repository": repo, "Tag": tag, "ID": image.id, "CreatedAt": image.created,
                         "Size": image.size})
    return rows


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)}{unit}" if unit == "B" else f"{value:.3g}{unit}"
        value /= 1000
    return f"{size}B"
