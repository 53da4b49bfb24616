"""Links, addresses and routes through netlink. The ONLY pyroute2 importer.

Every failure becomes a NetworkError naming the step and the link; deletes are idempotent (ENODEV is success).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
from typing import Iterator

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl.ifaddrmsg import IFA_F_NODAD

from runtime.errors import KernelError, NetworkError
from runtime.linux.syscalls import CLONE_NEWNET, Syscalls

MAIN_TABLE = 254
AF_INET6 = 10


def _fail(step: str, obj: str, exc: NetlinkError, fix: str = "") -> NetworkError:
    kerr = KernelError(step, exc.code, obj)
    hint = f"; {fix}" if fix else ""
    err = NetworkError(f"{kerr}{hint}")
    err.__cause__ = kerr
    return err


@contextlib.contextmanager
def _ipr(netns: str | None = None) -> Iterator[IPRoute]:
    ipr = IPRoute(fileno=_netns_socket(netns)) if netns else IPRoute()
    try:
        yield ipr
    finally:
        ipr.close()


_SYS: list[Syscalls] = []


def _netns_socket(netns: str) -> int:
    """A NETLINK_ROUTE socket inside ``netns``, made by this thread stepping into it and straight back (setns
    changes only the calling thread); pyroute2's own ``netns=`` forks a helper process for each socket instead."""
    if not _SYS:
        _SYS.append(Syscalls())
    if not os.path.exists(netns):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), netns)
    own = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            _SYS[0].setns(netns, CLONE_NEWNET)
        except KernelError as exc:
            raise NetworkError(f"{exc}; is the container running?") from exc
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, socket.NETLINK_ROUTE)
        finally:
            _SYS[0].setns(f"/proc/self/fd/{own}", CLONE_NEWNET)  # back home; raises (never silently stays) on failure
    finally:
        os.close(own)
    return sock.detach()


def _index(ipr: IPRoute, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def netns_path(target: str | int) -> str:
    """A netns path from a path or a pid."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return f"/proc/{int(target)}/ns/net"
    return str(target)


def link_names(prefix: str = "dy") -> list[str]:
    """Host link names starting with ``prefix``."""
    with _ipr() as ipr:
        return sorted(n for n in (l.get("ifname") for l in ipr.get_links()) if n and n.startswith(prefix))


def link_exists(name: str) -> bool:
    with _ipr() as ipr:
        return _index(ipr, name) is not None


def host_networks() -> list[tuple[str, str]]:
    """Every IPv4 destination of the main routing table and every local address, as (cidr, description)."""
    out: list[tuple[str, str]] = []
    with _ipr() as ipr:
        for r in ipr.get_routes(family=2, table=MAIN_TABLE):
            dst = r.get("dst")
            if dst and r["dst_len"] > 0:
                out.append((f"{dst}/{r['dst_len']}", "host route"))
        for a in ipr.get_addr(family=2):
            out.append((f"{a.get('address')}/{a['prefixlen']}", f"address on {a.get('label')}"))
    return out


def host_networks6() -> list[tuple[str, str]]:
    """Every global IPv6 destination of the main routing table and every global local address (link-local,
    multicast and the default route skipped), as (cidr, description)."""
    out: list[tuple[str, str]] = []
    with _ipr() as ipr:
        for r in ipr.get_routes(family=AF_INET6, table=MAIN_TABLE):
            dst = r.get("dst")
            if dst and r["dst_len"] > 0 and not dst.lower().startswith(("fe80", "ff")):
                out.append((f"{dst}/{r['dst_len']}", "host IPv6 route"))
        for a in ipr.get_addr(family=AF_INET6):
            addr = a.get("address") or ""
            if addr and not addr.lower().startswith(("fe80", "ff")) and addr != "::1":
                out.append((f"{addr}/{a['prefixlen']}", f"address on {a.get('label') or a['index']}"))
    return out


def add_address6(name: str, address: str, prefixlen: int) -> None:
    """Put an IPv6 address on a host link, usable at once (no duplicate address detection)."""
    with _ipr() as ipr:
        idx = _index(ipr, name)
        try:
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            ipr.addr("add", index=idx, address=address, prefixlen=prefixlen, family=AF_INET6, flags=IFA_F_NODAD)
        except NetlinkError as exc:
            raise _fail("add IPv6 address", f"{address}/{prefixlen} on {name}", exc,
                        "check that IPv6 is enabled on the link (net.ipv6.conf.<link>.disable_ipv6=0)") from None


def create_bridge(name: str, gateway: str, prefixlen: int, mtu: int | None = None) -> None:
    """Create bridge ``name`` with the gateway address, up. Removes what it made if a step fails."""
    with _ipr() as ipr:
        try:
            ipr.link("add", ifname=name, kind="bridge")
        except NetlinkError as exc:
            raise _fail("create bridge", name, exc, "remove the stale link or pick another bridge name") from None
        try:
            idx = _index(ipr, name)
            if mtu:
                ipr.link("set", index=idx, mtu=mtu)
            ipr.addr("add", index=idx, address=gateway, prefixlen=prefixlen)
            ipr.link("set", index=idx, state="up")
        except NetlinkError as exc:
            with contextlib.suppress(NetlinkError):
                ipr.link("del", ifname=name)
            raise _fail("configure bridge", name, exc) from None


def delete_link(name: str) -> bool:
    """Delete a host link; False if it was already gone."""
    with _ipr() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            return False
        try:
            ipr.link("del", index=idx)
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return False
            raise _fail("delete link", name, exc) from None
    return True


def set_link_up(name: str, up: bool = True, netns: str | None = None) -> None:
    """Bring a link up or down (on the host, or inside ``netns``)."""
    with _ipr(netns) as ipr:
        idx = _index(ipr, name)
        if idx is None:
            raise NetworkError(f"set link {name} {'up' if up else 'down'}: no such link; was it removed?")
        try:
            ipr.link("set", index=idx, state="up" if up else "down")
        except NetlinkError as exc:
            raise _fail("set link state", name, exc) from None


def next_ifname(netns: str) -> str:
    """The first free ``ethN`` inside a netns."""
    with _ipr(netns) as ipr:
        names = {l.get("ifname") for l in ipr.get_links()}
    n = 0
    while f"eth{n}" in names:
        n += 1
    return f"eth{n}"


def create_veth(host: str, peer: str, bridge: str, mtu: int | None) -> None:
    """A veth pair with ``host`` enslaved to ``bridge`` and up; ``peer`` stays on the host until moved."""
    with _ipr() as ipr:
        try:
            ipr.link("add", ifname=host, kind="veth", peer=peer)
        except NetlinkError as exc:
            raise _fail("create veth", host, exc) from None
        try:
            br = _index(ipr, bridge)
            if br is None:
                raise NetlinkError(errno.ENODEV)
            for name in (host, peer):
                if mtu:
                    ipr.link("set", index=_index(ipr, name), mtu=mtu)
            ipr.link("set", index=_index(ipr, host), master=br, state="up")
        except NetlinkError as exc:
            with contextlib.suppress(NetlinkError):
                ipr.link("del", ifname=host)
            raise _fail("enslave veth to bridge", f"{host} -> {bridge}", exc) from None


def move_to_netns(name: str, netns: str) -> None:
    """Move a host link into the network namespace at path ``netns``."""
    try:
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetworkError(f"open netns {netns}: {exc.strerror}; is the container running?") from exc
    try:
        with _ipr() as ipr:
            ipr.link("set", index=_index(ipr, name), net_ns_fd=fd)
    except NetlinkError as exc:
        raise _fail("move link into netns", f"{name} -> {netns}", exc) from None
    finally:
        os.close(fd)


def configure_inside(
    netns: str,
    tmp_name: str,
    ifname: str,
    address: str,
    prefixlen: int,
    mac: str,
    mtu: int | None,
    gateway: str | None,
    replace_default: bool = False,
    address6: str | None = None,
    prefixlen6: int = 64,
    gateway6: str | None = None,
) -> None:
    """Inside the netns: rename, set mac/mtu/address(es), bring lo and the link up, default route via ``gateway``
    (only if there is none yet, unless ``replace_default``); the same for IPv6 with ``address6``/``gateway6``
    (the address is added without duplicate address detection, so it is usable at once)."""
    with _ipr(netns) as ipr:
        try:
            idx = _index(ipr, tmp_name)
            ipr.link("set", index=idx, ifname=ifname)
            opts = {"address": mac}
            if mtu:
                opts["mtu"] = mtu
            ipr.link("set", index=idx, **opts)
            ipr.addr("add", index=idx, address=address, prefixlen=prefixlen)
            if address6:
                ipr.addr("add", index=idx, address=address6, prefixlen=prefixlen6, family=AF_INET6, flags=IFA_F_NODAD)
            ipr.link("set", index=idx, state="up")
            lo = _index(ipr, "lo")
            if lo is not None:
                ipr.link("set", index=lo, state="up")
            if gateway and replace_default:
                ipr.route("replace", dst="0.0.0.0/0", gateway=gateway)
            elif gateway and not _has_default_route(ipr):
                ipr.route("add", dst="0.0.0.0/0", gateway=gateway)
            if gateway6:
                _default_route6(ipr, gateway6, idx, replace_default)
        except NetlinkError as exc:
            raise _fail("configure interface", f"{ifname} in {netns}", exc) from None


def _has_default_route(ipr: IPRoute, family: int = 2) -> bool:
    return any(r["dst_len"] == 0 for r in ipr.get_routes(family=family, table=MAIN_TABLE))


def _default_route6(ipr: IPRoute, gateway6: str, idx: int, replace: bool) -> None:
    if replace:
        ipr.route("replace", dst="::/0", gateway=gateway6, oif=idx, family=AF_INET6)
    elif not _has_default_route(ipr, AF_INET6):
        ipr.route("add", dst="::/0", gateway=gateway6, oif=idx, family=AF_INET6)


def delete_inside(netns: str, ifname: str) -> bool:
    """Delete a link inside a netns (the veth peer goes with it); False if the netns or link is gone."""
    if not os.path.exists(netns):
        return False
    try:
        with _ipr(netns) as ipr:
            idx = _index(ipr, ifname)
            if idx is None:
                return False
            ipr.link("del", index=idx)
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return False
        raise _fail("delete interface", f"{ifname} in {netns}", exc) from None
    except OSError:
        return False
    return True
