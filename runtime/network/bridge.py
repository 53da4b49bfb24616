"""Links, addresses and routes of bridges, veths and container interfaces, through netlink (messages: ``rtmsg``,
the only pyroute2 importer). Host link names are looked up with ``if_nametoindex`` (no netlink at all).

Every failure becomes a NetworkError naming the step and the link; deletes are idempotent (ENODEV is success).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

from runtime.errors import NetworkError
from runtime.network import netlink as nl
from runtime.network import rtmsg
from runtime.network.linkwatch import LinkWatch
from runtime.network.rtmsg import AF_INET6, IFA_F_NODAD, RTMGRP_LINK


def netns_path(target: str | int) -> str:
    """A netns path from a path or a pid."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return f"/proc/{int(target)}/ns/net"
    return str(target)


def link_names(prefix: str = "dy") -> list[str]:
    """Host link names starting with ``prefix``."""
    with rtmsg.rt() as rt:
        names = (link.get_attr("IFLA_IFNAME") for link in rtmsg.dump(rt, "ifinfmsg"))
        return sorted(n for n in names if n and n.startswith(prefix))


def link_exists(name: str) -> bool:
    return rtmsg.index_here(name) is not None


def host_networks() -> list[tuple[str, str]]:
    """Every IPv4 destination of the main routing table and every local address, as (cidr, description)."""
    return _networks(socket.AF_INET, "host route", lambda addr: True)


def host_networks6() -> list[tuple[str, str]]:
    """Every global IPv6 destination of the main routing table and every global local address (link-local,
    multicast and the default route skipped), as (cidr, description)."""
    return _networks(AF_INET6, "host IPv6 route", lambda addr: not addr.lower().startswith(("fe80", "ff")))


def _networks(family: int, what: str, wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    with rtmsg.rt() as rt:
        for r in rtmsg.routes(rt, family):
            dst = r.get_attr("RTA_DST")
            if dst and r["dst_len"] > 0 and wanted(dst):
                out.append((f"{dst}/{r['dst_len']}", what))
        for a in rtmsg.dump(rt, "ifaddrmsg", family):
            addr = a.get_attr("IFA_ADDRESS") or ""
            if addr and wanted(addr) and addr != "::1":
                where = a.get_attr("IFA_LABEL") or (a["index"] if family == AF_INET6 else None)
                out.append((f"{addr}/{a['prefixlen']}", f"address on {where}"))
    return out


def add_address6(name: str, address: str, prefixlen: int) -> None:
    """Put an IPv6 address on a host link, usable at once (no duplicate address detection)."""
    with rtmsg.rt() as rt:
        try:
            idx = rtmsg.index_here(name)
            if idx is None:
                raise rtmsg.NetlinkError(errno.ENODEV)
            rtmsg.addr_add(rt, idx, address, prefixlen, AF_INET6, IFA_F_NODAD)
        except rtmsg.NetlinkError as exc:
            raise rtmsg.fail("add IPv6 address", f"{address}/{prefixlen} on {name}", exc,
                        "check that IPv6 is enabled on the link (net.ipv6.conf.<link>.disable_ipv6=0)") from None


def create_bridge(name: str, gateway: str, prefixlen: int, mtu: int | None = None, mac: str | None = None) -> None:
    """Create bridge ``name`` with the gateway address, up. Removes what it made if a step fails.

    ``mac``: the bridge's own address, set at creation. A bridge left to choose takes the lowest address of its
    ports and changes it as veths come and go; containers then send to a gateway address that no longer exists
    (DNS and published ports stall until their ARP entry expires, seconds later)."""
    with rtmsg.rt() as rt:
        try:
            rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(name=name, attrs=(rtmsg.linkinfo("bridge"), ("IFLA_ADDRESS", mac))),
                       nl.NLM_F_CREATE | nl.NLM_F_EXCL)
        except rtmsg.NetlinkError as exc:
            raise rtmsg.fail("create bridge", name, exc, "remove the stale link or pick another bridge name") from None
        try:
            idx = rtmsg.index_here(name)
            if idx is None:
                raise rtmsg.NetlinkError(errno.ENODEV)
            if mtu:  # set after creation, so that the bridge keeps it as ports come and go
                rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(idx, attrs=(("IFLA_MTU", mtu),)))
            rtmsg.addr_add(rt, idx, gateway, prefixlen)
            rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(idx, up=True))
        except rtmsg.NetlinkError as exc:
            with contextlib.suppress(rtmsg.NetlinkError):
                rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name=name))
            raise rtmsg.fail("configure bridge", name, exc) from None


def wait_gone(names: list[str], timeout: float) -> list[str]:
    """Wait until the kernel removed the host links ``names`` (e.g. veths whose namespace is being destroyed);
    returns those still there after ``timeout``. The waiting threads share one link subscription."""
    return _WATCH.wait_gone(names, timeout, link_exists)


class _LinkEvents:
    """Host link notifications (RTMGRP_LINK) on a socket of their own."""

    def __init__(self) -> None:
        self.rt = nl.Rtnl(rtmsg.parse, groups=RTMGRP_LINK)
        self.rt.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # a burst of removals fits

    def read(self, timeout: float) -> int:
        return self.rt.arrivals(timeout)  # the waiters look their links up by name: nothing to decode

    def close(self) -> None:
        self.rt.close()


_WATCH = LinkWatch(_LinkEvents)


def _forget_in_child() -> None:  # a forked child must not share its parent's subscription
    global _WATCH
    _WATCH = LinkWatch(_LinkEvents)


os.register_at_fork(after_in_child=_forget_in_child)


def delete_link(name: str) -> bool:
    """Delete a host link; False if it was already gone."""
    with rtmsg.rt() as rt:
        try:
            rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name=name))
        except rtmsg.NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return False
            raise rtmsg.fail("delete link", name, exc) from None
    return True


def set_link_up(name: str, up: bool = True, netns: str | None = None) -> None:
    """Bring a link up or down (on the host, or inside ``netns``)."""
    with rtmsg.rt(netns) as rt:
        try:
            rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(name=name, up=up))
        except rtmsg.NetlinkError as exc:
            if exc.code == errno.ENODEV:
                raise NetworkError(f"set link {name} {'up' if up else 'down'}: no such link; was it removed?") from None
            raise rtmsg.fail("set link state", name, exc) from None


def next_ifname(netns: str) -> str:
    """The first free ``ethN`` inside a netns."""
    with rtmsg.rt(netns) as rt:
        names = {link.get_attr("IFLA_IFNAME") for link in rtmsg.dump(rt, "ifinfmsg")}
    n = 0
    while f"eth{n}" in names:
        n += 1
    return f"eth{n}"


def create_veth(host: str, peer: str, bridge: str, mtu: int | None) -> None:
    """A veth pair with ``host`` enslaved to ``bridge`` and up; ``peer`` stays on the host until moved."""
    _veth(host, bridge, mtu, [("IFLA_IFNAME", peer)])


def plug_veth(host: str, bridge: str, mtu: int | None, netns: str, ifname: str, mac: str) -> None:
    """A veth pair made in one request: ``host`` enslaved to ``bridge`` and up, its peer created straight inside
    the netns at path ``netns`` as ``ifname`` with ``mac`` (down, unaddressed: see ``configure_inside``)."""
    with _netns_fd(netns) as fd:
        _veth(host, bridge, mtu, [("IFLA_IFNAME", ifname), ("IFLA_ADDRESS", mac), ("IFLA_NET_NS_FD", fd)])


@contextlib.contextmanager
def _netns_fd(netns: str) -> Iterator[int]:
    try:
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetworkError(f"open netns {netns}: {exc.strerror}; is the container running?") from exc
    try:
        yield fd
    finally:
        os.close(fd)


_BRIDGES: dict[str, int] = {}  # bridge name -> ifindex (the kernel does not hand an index out again soon)


def _veth(host: str, bridge: str, mtu: int | None, peer: list[tuple[str, Any]]) -> None:
    """One RTM_NEWLINK: the veth ``host`` (mtu, master ``bridge``, up) and its ``peer``. The bridge's index is
    remembered; a refusal with a remembered index (the bridge may have been made again since) is retried once with
    the index looked up afresh."""
    mtus = [("IFLA_MTU", mtu)] if mtu else []
    info = rtmsg.linkinfo("veth", [("VETH_INFO_PEER", {"attrs": peer + mtus})])
    remembered = _BRIDGES.get(bridge)
    br = remembered if remembered is not None else _bridge_index(host, bridge)
    with rtmsg.rt() as rt:
        while True:
            try:
                msg = rtmsg.ifinfo(name=host, up=True, attrs=(("IFLA_MASTER", br), *mtus, info))
                rt.request(nl.RTM_NEWLINK, msg, nl.NLM_F_CREATE | nl.NLM_F_EXCL)
                return
            except rtmsg.NetlinkError as exc:
                _BRIDGES.pop(bridge, None)
                fresh = None if remembered is None else _bridge_index(host, bridge)
                if fresh is None or fresh == remembered:
                    raise rtmsg.fail("create veth", host, exc) from None
                br, remembered = fresh, None


def _bridge_index(host: str, bridge: str) -> int:
    idx = rtmsg.index_here(bridge)
    if idx is None:
        raise rtmsg.fail("enslave veth to bridge", f"{host} -> {bridge}", rtmsg.NetlinkError(errno.ENODEV)) from None
    _BRIDGES[bridge] = idx
    return idx


def move_to_netns(name: str, netns: str) -> None:
    """Move a host link into the network namespace at path ``netns``."""
    with _netns_fd(netns) as fd, rtmsg.rt() as rt:
        try:
            rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(name=name, attrs=(("IFLA_NET_NS_FD", fd),)))
        except rtmsg.NetlinkError as exc:
            raise rtmsg.fail("move link into netns", f"{name} -> {netns}", exc) from None


def configure_inside(
    netns: str,
    tmp_name: str,
    ifname: str,
    address: str,
    prefixlen: int,
    mac: str | None,
    mtu: int | None,
    gateway: str | None,
    replace_default: bool = False,
    address6: str | None = None,
    prefixlen6: int = 64,
    gateway6: str | None = None,
) -> None:
    """Inside the netns: rename (unless ``tmp_name`` is ``ifname``), set mac/mtu (when given), address(es), bring
    lo and the link up, default route via ``gateway`` (only if there is none yet, unless ``replace_default``); the
    same for IPv6 with ``address6``/``gateway6`` (the address is added without duplicate address detection, so it
    is usable at once)."""
    with rtmsg.rt(netns) as rt:
        try:
            idx = rtmsg.index_in(rt, tmp_name)
            if idx is None:
                raise rtmsg.NetlinkError(errno.ENODEV)
            attrs = (("IFLA_IFNAME", ifname if tmp_name != ifname else None), ("IFLA_ADDRESS", mac or None),
                     ("IFLA_MTU", mtu or None))
            if any(value is not None for _, value in attrs):
                rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(idx, attrs=attrs))
            rtmsg.addr_add(rt, idx, address, prefixlen)
            if address6:
                rtmsg.addr_add(rt, idx, address6, prefixlen6, AF_INET6, IFA_F_NODAD)
            rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(idx, up=True))
            _lo_up(rt)
            if gateway and (replace_default or not _has_default_route(rt)):
                rtmsg.route_default(rt, socket.AF_INET, gateway, replace_default)
            if gateway6 and (replace_default or not _has_default_route(rt, AF_INET6)):
                rtmsg.route_default(rt, AF_INET6, gateway6, replace_default, oif=idx)
        except rtmsg.NetlinkError as exc:
            raise rtmsg.fail("configure interface", f"{ifname} in {netns}", exc) from None


def _lo_up(rt: nl.Rtnl) -> None:
    try:
        rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(name="lo", up=True))
    except rtmsg.NetlinkError as exc:
        if exc.code != errno.ENODEV:  # no lo: nothing to bring up
            raise


def _has_default_route(rt: nl.Rtnl, family: int = socket.AF_INET) -> bool:
    return any(r["dst_len"] == 0 for r in rtmsg.routes(rt, family))


def delete_inside(netns: str, ifname: str) -> bool:
    """Delete a link inside a netns (the veth peer goes with it); False if the netns or link is gone."""
    if not os.path.exists(netns):
        return False
    try:
        with rtmsg.rt(netns) as rt:
            rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name=ifname))
    except rtmsg.NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return False
        raise rtmsg.fail("delete interface", f"{ifname} in {netns}", exc) from None
    except OSError:
        return False
    return True
