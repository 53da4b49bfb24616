"""What a container needs around its process: mounts resolved to host paths (named volumes created and filled
from the image on first use, anonymous volumes), its network namespace attached to its networks with published
ports, and its /etc/hostname, /etc/hosts and /etc/resolv.conf written in the container dir.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from runtime import containers as cs
from runtime import sandbox
from runtime.errors import ContainerError, NetworkError
from runtime.network.spec import NetworkSpec
from runtime.types import ContainerSpec, MountSpec
from runtime.volumes import VolumeService, populate

if TYPE_CHECKING:
    from runtime import spec as low
    from runtime.network.service import NetworkService

DEFAULT_NETWORK = "bridge"
PROJECT_LABEL = "com.docker.compose.project"


def write_files(spec: ContainerSpec, cdir: Path) -> list[low.Mount]:
    """``spec.files`` written under ``cdir/files`` with their mode and owner, as read-only binds at their targets
    (the launcher mounts shallower targets first, so one may sit inside a volume). Refused before anything is
    written: a target that is not absolute or names the root, or two files at one target."""
    if not spec.files:
        return []
    from runtime import spec as low

    targets = [f.target.rstrip("/") for f in spec.files]
    for f, target in zip(spec.files, targets):
        if not f.target.startswith("/") or not target:
            raise ContainerError(f"create container {spec.name}: file target {f.target!r} must be an absolute path "
                                 "below /")
    if len(set(targets)) < len(targets):
        raise ContainerError(f"create container {spec.name}: two files at one target ({sorted(targets)}); give "
                             "each secret or config its own target")
    where = cdir / "files"
    where.mkdir(mode=0o700, exist_ok=True)
    out = []
    for i, (f, target) in enumerate(zip(spec.files, targets)):
        path = where / str(i)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            data = memoryview(f.content.encode())
            while data:
                data = data[os.write(fd, data):]
            os.fchown(fd, f.uid, f.gid)
            os.fchmod(fd, f.mode & 0o7777)
        finally:
            os.close(fd)
        out.append(low.Mount("bind", target, str(path), readonly=True))
    return out


def resolve_mounts(spec: ContainerSpec, extra_volumes: list[str], volumes: VolumeService, layers: list[str],
                   work: Path) -> tuple[list[low.Mount], list[str], list[str]]:
    """Host-side mounts for ``spec`` plus an anonymous volume per ``extra_volumes`` target (the image's VOLUMEs).

    Returns (mounts, volume names used, anonymous volume names created). Volumes are filled from the image when
    new and empty, unless ``nocopy``."""
    # runtime.spec is loaded on use: stop and remove (``down``) never need it
    from runtime import spec as low

    mounts: list[low.Mount] = []
    used: list[str] = []
    anonymous: list[str] = []
    labels = tuple((k, v) for k, v in spec.labels if k == PROJECT_LABEL)
    wanted = list(spec.mounts) + [MountSpec("volume", t) for t in extra_volumes]
    try:
        for m in wanted:
            if m.kind == "tmpfs":
                mounts.append(low.Mount("tmpfs", m.target, readonly=m.read_only, tmpfs_size=m.tmpfs_size,
                                        tmpfs_mode=m.tmpfs_mode))
            elif m.kind == "bind":
                if not m.source:
                    raise ContainerError(f"create container {spec.name}: bind mount to {m.target} has no source")
                mounts.append(low.Mount("bind", m.target, str(Path(m.source).absolute()), m.read_only,
                                        m.propagation, m.create_host_path))
            elif m.kind == "volume":
                name = m.source or volumes.create_anonymous(labels).name
                if not m.source:
                    anonymous.append(name)
                volumes.create(_volume_spec(name, labels)) if not volumes.exists(name) else None
                data = volumes.path(name)
                if not m.nocopy:
                    populate(data, layers, m.target, work)
                used.append(name)
                mounts.append(low.Mount("volume", m.target, str(data), m.read_only, "rprivate", False))
            else:
                raise ContainerError(f"create container {spec.name}: mount kind {m.kind!r} for {m.target} is not "
                                     "supported; use bind, volume or tmpfs")
    except BaseException:
        for name in anonymous:
            volumes.remove(name, missing_ok=True, force=True)
        raise
    return mounts, used, anonymous


def inherit_mounts(store: cs.ContainerStore, spec: ContainerSpec, own: list[low.Mount],
                   used: list[str]) -> tuple[list[low.Mount], list[str]]:
    """``volumes_from``: ``own`` plus the volume and bind mounts of each named container (``name[:ro|:rw]``), at
    the same targets and on the same host dirs (anonymous volumes included); ``:ro`` makes them read-only, else
    they keep the source's mode. A target the container mounts itself, or an earlier source gave, is not replaced.

    Returns (mounts, volume names used): inherited volumes count as in use by this container too."""
    out, names = list(own), list(used)
    taken = {m.destination for m in out}
    for entry in spec.volumes_from:
        ref, _, mode = entry.partition(":")
        if mode not in ("", "ro", "rw"):
            raise ContainerError(f"create container {spec.name}: volumes_from {entry!r}: mode must be ro or rw")
        for mount in _mounts_of(store, ref, spec.name):
            if mount.destination not in taken:
                taken.add(mount.destination)
                out.append(dataclasses.replace(mount, readonly=True) if mode == "ro" else mount)
                if mount.kind == "volume" and mount.source:  # <root>/volumes/<name>/_data
                    names.append(Path(mount.source).parent.name)
    return out, list(dict.fromkeys(names))


def _mounts_of(store: cs.ContainerStore, ref: str, who: str) -> list[low.Mount]:
    """The volume and bind mounts (not tmpfs, devices or the runtime's own files) in ``ref``'s launch spec."""
    try:
        rec = store.read(store.resolve(ref))
        data = json.loads((store.cdir(rec["id"]) / "launch.json").read_text())
    except (ContainerError, OSError, ValueError) as exc:
        raise ContainerError(f"create container {who}: volumes_from {ref}: {exc}; create {ref} first") from exc
    binds = {m.get("target") for m in (rec.get("spec") or {}).get("mounts") or () if m.get("kind") == "bind"}
    from runtime import spec as low

    mounts = [low.Mount(**m) for m in data.get("mounts") or ()]
    return [m for m in mounts if m.kind == "volume" or (m.kind == "bind" and m.destination in binds)]


def _volume_spec(name: str, labels: tuple[tuple[str, str], ...]):  # noqa: ANN202
    from runtime.types import VolumeSpec

    return VolumeSpec(name, labels=labels)


# -- networking ------------------------------------------------------------------------------------------------

def attach(net: NetworkService, rec: dict, spec: ContainerSpec, netns: Path) -> tuple[list[dict], list[dict]]:
    """Pin the netns, connect it to the spec's networks (highest gw_priority first), publish ports on the first.

    Returns (endpoints, ports) as records; on failure everything done is undone."""
    sandbox.create_netns(netns)
    attachments = sorted(spec.networks, key=lambda a: (-a.gw_priority, -a.priority)) or [_default(net)]
    endpoints: list[dict] = []
    ports: list[dict] = []
    names = [rec["name"]]
    try:
        for i, att in enumerate(attachments):
            aliases = tuple(dict.fromkeys([*names, *att.aliases, spec.hostname or ""]))
            ep = net.connect(rec["id"], str(netns), att.network, ipv4_address=att.ipv4_address,
                             aliases=[a for a in aliases if a], mac=att.mac_address, dns=spec.dns,
                             default_route=None if i == 0 else False,
                             ipv6_address=getattr(att, "ipv6_address", None), links=att.links)
            endpoints.append({"network": att.network, "ip": ep.ipv4_address, "mac": ep.mac, "gateway": ep.gateway,
                              "aliases": list(att.aliases), "interface": ep.interface})
        if spec.ports:
            infos = net.publish(rec["id"], attachments[0].network, spec.ports)
            ports = [{"host_ip": p.host_ip, "host_port": p.host_port, "protocol": p.protocol,
                      "container_ip": p.container_ip, "container_port": p.container_port} for p in infos]
    except BaseException:
        detach(net, rec["id"], netns)
        raise
    return endpoints, ports


def _default(net: NetworkService):  # noqa: ANN202
    from runtime.types import NetworkAttachment

    with contextlib.suppress(NetworkError):
        net.inspect(DEFAULT_NETWORK)
        return NetworkAttachment(DEFAULT_NETWORK)
    net.create_network(NetworkSpec(DEFAULT_NETWORK, labels=(("dockyard.default", "true"),)))
    return NetworkAttachment(DEFAULT_NETWORK)


def detach(net: NetworkService, cid: str, netns: Path) -> None:
    """Unpin the netns and disconnect from every network (ports unpublished). Safe to repeat.

    Only for a netns no process of the container is left in: the kernel then removes it with its veths."""
    sandbox.remove_netns(netns)
    net.disconnect_all(cid, released=True)


def write_etc_files(net: NetworkService, rec: dict, spec: ContainerSpec, cdir: Path, hostname: str) -> None:
    """hostname, hosts and resolv.conf as Docker writes them for the container's network mode."""
    mode = spec.network_mode
    extra = [f"{h}:{ip}" for h, ip in spec.extra_hosts]
    if mode == "host":
        (cdir / "hostname").write_text(socket.gethostname() + "\n")
        _copy_host("/etc/hosts", cdir / "hosts")
        _copy_host("/etc/resolv.conf", cdir / "resolv.conf")
        return
    (cdir / "hostname").write_text(hostname + "\n")
    names = [n for n in (hostname, rec["name"]) if n]
    (cdir / "hosts").write_text(net.hosts_file(rec["id"], names, extra))
    endpoints = rec.get("endpoints") or []
    if endpoints:
        (cdir / "resolv.conf").write_text(net.resolv_conf(endpoints[0]["network"], spec.dns_search, spec.dns_opt))
    elif spec.dns:
        lines = [f"nameserver {d}" for d in spec.dns]
        lines += ["search " + " ".join(spec.dns_search)] if spec.dns_search else []
        lines += ["options " + " ".join(spec.dns_opt)] if spec.dns_opt else []
        (cdir / "resolv.conf").write_text("\n".join(lines) + "\n")
    else:
        _copy_host("/etc/resolv.conf", cdir / "resolv.conf")


def copy_peer_files(peer_dir: Path, cdir: Path) -> None:
    """``network_mode: container:X`` shares X's hostname, hosts and resolv.conf."""
    import shutil

    for name in ("hostname", "hosts", "resolv.conf"):
        if (peer_dir / name).exists():
            shutil.copyfile(peer_dir / name, cdir / name)


def _copy_host(src: str, dst: Path) -> None:
    import shutil  # loaded on use: a bridge-attached run copies nothing

    try:
        shutil.copyfile(src, dst)
    except OSError:
        dst.write_text("")


def netns_of(run: Path, cid: str) -> Path:
    return sandbox.netns_path(run, cid)


def peer_running(store: cs.ContainerStore, ref: str, what: str) -> dict:
    rec = store.read(store.resolve(ref))
    if not cs.is_active(rec["state"]):
        raise ContainerError(f"{what}: container {rec['name']} is not running; start it first")
    return rec
