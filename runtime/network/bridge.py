"""Links, addresses and routes through netlink. The ONLY pyroute2 importer: its message classes encode every request
and decode every reply; ``netlink.Rtnl`` carries them over a plain NETLINK_ROUTE socket (no event loop, no asyncio).

pyroute2 is loaded on the first netlink call (``ps``, ``config`` and ``--help`` never load it), and only its message
modules: its package ``__init__`` (ipdb, ndb, conntrack, asyncio...) waits until something else in the process asks
for it (``netlink.lazy_package``). Each thread keeps one host socket (``netlink.host``); a namespace's socket lives
for one call. Host link names are looked up with ``if_nametoindex`` (no netlink at all).

Every failure becomes a NetworkError naming the step and the link; deletes are idempotent (ENODEV is success).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from runtime.errors import KernelError, NetworkError
from runtime.network import netlink as nl
from runtime.network.linkwatch import LinkWatch

MAIN_TABLE = 254
AF_INET6 = 10
IFA_F_NODAD = 0x02
IFF_UP = 0x1
RTPROT_STATIC = 4
RTN_UNICAST = 1
RTMGRP_LINK = nl.RTMGRP_LINK
_MESSAGES = ("pyroute2.netlink.rtnl.ifinfmsg", "pyroute2.netlink.rtnl.ifaddrmsg", "pyroute2.netlink.rtnl.rtmsg",
             "pyroute2.netlink.exceptions", "pyroute2.netlink.marshal")


class NetlinkError(Exception):
    """Stands for pyroute2's NetlinkError until pyroute2 is loaded (before that no netlink call was made, so
    nothing can raise it); ``_load`` rebinds the name to pyroute2's class."""

    def __init__(self, code: int, msg: str | None = None) -> None:
        super().__init__(code, msg or os.strerror(code))
        self.code = code


_P: dict[str, Any] = {}
_LOAD_LOCK = threading.Lock()


def _load() -> dict[str, Any]:
    """pyroute2's message classes and parser, imported once, on the first netlink call."""
    if not _P:
        with _LOAD_LOCK:
            if not _P:
                global NetlinkError
                nl.lazy_package("pyroute2")
                mods = {name.rsplit(".", 1)[1]: importlib.import_module(name) for name in _MESSAGES}
                marshal = mods["marshal"].Marshal()
                marshal.msg_map = {nl.RTM_NEWLINK: mods["ifinfmsg"].ifinfmsg, nl.RTM_DELLINK: mods["ifinfmsg"].ifinfmsg,
                                   nl.RTM_NEWADDR: mods["ifaddrmsg"].ifaddrmsg, nl.RTM_NEWROUTE: mods["rtmsg"].rtmsg}
                NetlinkError = mods["exceptions"].NetlinkError  # type: ignore[misc]
                _P.update(ifinfmsg=mods["ifinfmsg"].ifinfmsg, ifaddrmsg=mods["ifaddrmsg"].ifaddrmsg,
                          rtmsg=mods["rtmsg"].rtmsg, parse=marshal.parse)
    return _P


def _fail(step: str, obj: str, exc: Exception, fix: str = "") -> NetworkError:
    kerr = KernelError(step, getattr(exc, "code", 0), obj)
    hint = f"; {fix}" if fix else ""
    err = NetworkError(f"{kerr}{hint}")
    err.__cause__ = kerr
    return err


def _forget_in_child() -> None:  # a forked child must not share its parent's subscription
    global _WATCH
    _WATCH = LinkWatch(_LinkEvents)


os.register_at_fork(after_in_child=_forget_in_child)


def _parse(data: bytes) -> Any:
    """Netlink datagram -> pyroute2 messages; pyroute2 is loaded by the first datagram to decode, so a subscription
    that never receives anything never loads it."""
    return _load()["parse"](data)


def _host() -> nl.Rtnl:
    """This thread's host client (one per thread, closed with the thread)."""
    return nl.host(_parse)


def _rt(netns: str | None = None) -> contextlib.AbstractContextManager[nl.Rtnl]:
    """The thread's host client, or a fresh one inside ``netns`` (closed on exit). Loads pyroute2 first, so that
    ``NetlinkError`` is its class before anything under this can raise or catch it."""
    _load()
    return contextlib.nullcontext(_host()) if netns is None else nl.inside(netns, _parse)


# -- messages (pyroute2's classes; nested attributes as pyroute2 spells them) --

def _ifinfo(index: int = 0, name: str | None = None, up: bool | None = None, attrs: tuple = ()) -> Any:
    msg = _load()["ifinfmsg"]()
    msg["index"] = index
    if up is not None:
        msg["flags"], msg["change"] = (IFF_UP if up else 0), IFF_UP
    msg["attrs"] = ([("IFLA_IFNAME", name)] if name else []) + [a for a in attrs if a[1] is not None]
    return msg


def _linkinfo(kind: str, data: list | None = None) -> tuple:
    info: list = [("IFLA_INFO_KIND", kind)]
    if data:
        info.append(("IFLA_INFO_DATA", {"attrs": data}))
    return ("IFLA_LINKINFO", {"attrs": info})


def _addr_add(rt: nl.Rtnl, index: int, address: str, prefixlen: int, family: int = socket.AF_INET,
              flags: int = 0) -> None:
    msg = _load()["ifaddrmsg"]()
    msg["family"], msg["prefixlen"], msg["index"], msg["flags"] = family, prefixlen, index, flags
    local = [("IFA_LOCAL", address)] if family == socket.AF_INET else []
    msg["attrs"] = [("IFA_ADDRESS", address), *local] + ([("IFA_FLAGS", flags)] if flags else [])
    rt.request(nl.RTM_NEWADDR, msg, nl.NLM_F_CREATE | nl.NLM_F_EXCL)


def _dump(rt: nl.Rtnl, kind: str, family: int = 0) -> list[Any]:
    msg = _load()[kind]()
    msg["family"] = family
    mtype = {"ifinfmsg": nl.RTM_GETLINK, "ifaddrmsg": nl.RTM_GETADDR, "rtmsg": nl.RTM_GETROUTE}[kind]
    return rt.dump(mtype, msg)


def _routes(rt: nl.Rtnl, family: int) -> list[Any]:
    """The main table's routes of ``family`` (the kernel dumps every table)."""
    return [r for r in _dump(rt, "rtmsg", family) if (r.get_attr("RTA_TABLE") or r["table"]) == MAIN_TABLE]


def _route_default(rt: nl.Rtnl, family: int, gateway: str, replace: bool, oif: int | None = None) -> None:
    msg = _load()["rtmsg"]()
    msg["family"], msg["dst_len"], msg["table"] = family, 0, MAIN_TABLE
    msg["proto"], msg["scope"], msg["type"] = RTPROT_STATIC, 0, RTN_UNICAST
    msg["attrs"] = [("RTA_TABLE", MAIN_TABLE), ("RTA_GATEWAY", gateway)] + ([("RTA_OIF", oif)] if oif else [])
    rt.request(nl.RTM_NEWROUTE, msg, nl.NLM_F_CREATE | (nl.NLM_F_REPLACE if replace else nl.NLM_F_EXCL))


def _index_here(name: str) -> int | None:
    """The index of link ``name`` in this thread's netns, without netlink."""
    try:
        return socket.if_nametoindex(name)
    except (OSError, ValueError):
        return None


def _index_in(rt: nl.Rtnl, name: str) -> int | None:
    """The index of link ``name`` in ``rt``'s netns (one RTM_GETLINK by name)."""
    try:
        return int(rt.request(nl.RTM_GETLINK, _ifinfo(name=name))[0]["index"])
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return None
        raise


def netns_path(target: str | int) -> str:
    """A netns path from a path or a pid."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return f"/proc/{int(target)}/ns/net"
    return str(target)


def link_names(prefix: str = "dy") -> list[str]:
    """Host link names starting with ``prefix``."""
    with _rt() as rt:
        names = (link.get_attr("IFLA_IFNAME") for link in _dump(rt, "ifinfmsg"))
        return sorted(n for n in names if n and n.startswith(prefix))


def link_exists(name: str) -> bool:
    return _index_here(name) is not None


def host_networks() -> list[tuple[str, str]]:
    """Every IPv4 destination of the main routing table and every local address, as (cidr, description)."""
    return _networks(socket.AF_INET, "host route", lambda addr: True)


def host_networks6() -> list[tuple[str, str]]:
    """Every global IPv6 destination of the main routing table and every global local address (link-local,
    multicast and the default route skipped), as (cidr, description)."""
    return _networks(AF_INET6, "host IPv6 route", lambda addr: not addr.lower().startswith(("fe80", "ff")))


def _networks(family: int, what: str, wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    with _rt() as rt:
        for r in _routes(rt, family):
            dst = r.get_attr("RTA_DST")
            if dst and r["dst_len"] > 0 and wanted(dst):
                out.append((f"{dst}/{r['dst_len']}", what))
        for a in _dump(rt, "ifaddrmsg", family):
            addr = a.get_attr("IFA_ADDRESS") or ""
            if addr and wanted(addr) and addr != "::1":
                where = a.get_attr("IFA_LABEL") or (a["index"] if family == AF_INET6 else None)
                out.append((f"{addr}/{a['prefixlen']}", f"address on {where}"))
    return out


def add_address6(name: str, address: str, prefixlen: int) -> None:
    """Put an IPv6 address on a host link, usable at once (no duplicate address detection)."""
    with _rt() as rt:
        try:
            idx = _index_here(name)
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            _addr_add(rt, idx, address, prefixlen, AF_INET6, IFA_F_NODAD)
        except NetlinkError as exc:
            raise _fail("add IPv6 address", f"{address}/{prefixlen} on {name}", exc,
                        "check that IPv6 is enabled on the link (net.ipv6.conf.<link>.disable_ipv6=0)") from None


def create_bridge(name: str, gateway: str, prefixlen: int, mtu: int | None = None, mac: str | None = None) -> None:
    """Create bridge ``name`` with the gateway address, up. Removes what it made if a step fails.

    ``mac``: the bridge's own address, set at creation. A bridge left to choose takes the lowest address of its
    ports and changes it as veths come and go; containers then send to a gateway address that no longer exists
    (DNS and published ports stall until their ARP entry expires, seconds later)."""
    with _rt() as rt:
        try:
            rt.request(nl.RTM_NEWLINK, _ifinfo(name=name, attrs=(_linkinfo("bridge"), ("IFLA_ADDRESS", mac))),
                       nl.NLM_F_CREATE | nl.NLM_F_EXCL)
        except NetlinkError as exc:
            raise _fail("create bridge", name, exc, "remove the stale link or pick another bridge name") from None
        try:
            idx = _index_here(name)
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            if mtu:  # set after creation, so that the bridge keeps it as ports come and go
                rt.request(nl.RTM_NEWLINK, _ifinfo(idx, attrs=(("IFLA_MTU", mtu),)))
            _addr_add(rt, idx, gateway, prefixlen)
            rt.request(nl.RTM_NEWLINK, _ifinfo(idx, up=True))
        except NetlinkError as exc:
            with contextlib.suppress(NetlinkError):
                rt.request(nl.RTM_DELLINK, _ifinfo(name=name))
            raise _fail("configure bridge", name, exc) from None


def wait_gone(names: list[str], timeout: float) -> list[str]:
    """Wait until the kernel removed the host links ``names`` (e.g. veths whose namespace is being destroyed);
    returns those still there after ``timeout``. The waiting threads share one link subscription."""
    return _WATCH.wait_gone(names, timeout, link_exists)


class _LinkEvents:
    """Host link notifications (RTMGRP_LINK) on a socket of their own."""

    def __init__(self) -> None:
        self.rt = nl.Rtnl(_parse, groups=RTMGRP_LINK)
        self.rt.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # a burst of removals fits

    def read(self, timeout: float) -> int:
        return self.rt.arrivals(timeout)  # the waiters look their links up by name: nothing to decode

    def close(self) -> None:
        self.rt.close()


_WATCH = LinkWatch(_LinkEvents)


def delete_link(name: str) -> bool:
    """Delete a host link; False if it was already gone."""
    with _rt() as rt:
        try:
            rt.request(nl.RTM_DELLINK, _ifinfo(name=name))
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return False
            raise _fail("delete link", name, exc) from None
    return True


def set_link_up(name: str, up: bool = True, netns: str | None = None) -> None:
    """Bring a link up or down (on the host, or inside ``netns``)."""
    with _rt(netns) as rt:
        try:
            rt.request(nl.RTM_NEWLINK, _ifinfo(name=name, up=up))
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                raise NetworkError(f"set link {name} {'up' if up else 'down'}: no such link; was it removed?") from None
            raise _fail("set link state", name, exc) from None


def next_ifname(netns: str) -> str:
    """The first free ``ethN`` inside a netns."""
    with _rt(netns) as rt:
        names = {link.get_attr("IFLA_IFNAME") for link in _dump(rt, "ifinfmsg")}
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
    info = _linkinfo("veth", [("VETH_INFO_PEER", {"attrs": peer + mtus})])
    remembered = _BRIDGES.get(bridge)
    br = remembered if remembered is not None else _bridge_index(host, bridge)
    with _rt() as rt:
        while True:
            try:
                msg = _ifinfo(name=host, up=True, attrs=(("IFLA_MASTER", br), *mtus, info))
                rt.request(nl.RTM_NEWLINK, msg, nl.NLM_F_CREATE | nl.NLM_F_EXCL)
                return
            except NetlinkError as exc:
                _BRIDGES.pop(bridge, None)
                fresh = None if remembered is None else _bridge_index(host, bridge)
                if fresh is None or fresh == remembered:
                    raise _fail("create veth", host, exc) from None
                br, remembered = fresh, None


def _bridge_index(host: str, bridge: str) -> int:
    idx = _index_here(bridge)
    if idx is None:
        raise _fail("enslave veth to bridge", f"{host} -> {bridge}", NetlinkError(errno.ENODEV)) from None
    _BRIDGES[bridge] = idx
    return idx


def move_to_netns(name: str, netns: str) -> None:
    """Move a host link into the network namespace at path ``netns``."""
    with _netns_fd(netns) as fd, _rt() as rt:
        try:
            rt.request(nl.RTM_NEWLINK, _ifinfo(name=name, attrs=(("IFLA_NET_NS_FD", fd),)))
        except NetlinkError as exc:
            raise _fail("move link into netns", f"{name} -> {netns}", exc) from None


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
    with _rt(netns) as rt:
        try:
            idx = _index_in(rt, tmp_name)
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            attrs = (("IFLA_IFNAME", ifname if tmp_name != ifname else None), ("IFLA_ADDRESS", mac or None),
                     ("IFLA_MTU", mtu or None))
            if any(value is not None for _, value in attrs):
                rt.request(nl.RTM_NEWLINK, _ifinfo(idx, attrs=attrs))
            _addr_add(rt, idx, address, prefixlen)
            if address6:
                _addr_add(rt, idx, address6, prefixlen6, AF_INET6, IFA_F_NODAD)
            rt.request(nl.RTM_NEWLINK, _ifinfo(idx, up=True))
            _lo_up(rt)
            if gateway and (replace_default or not _has_default_route(rt)):
                _route_default(rt, socket.AF_INET, gateway, replace_default)
            if gateway6 and (replace_default or not _has_default_route(rt, AF_INET6)):
                _route_default(rt, AF_INET6, gateway6, replace_default, oif=idx)
        except NetlinkError as exc:
            raise _fail("configure interface", f"{ifname} in {netns}", exc) from None


def _lo_up(rt: nl.Rtnl) -> None:
    try:
        rt.request(nl.RTM_NEWLINK, _ifinfo(name="lo", up=True))
    except NetlinkError as exc:
        if exc.code != errno.ENODEV:  # no lo: nothing to bring up
            raise


def _has_default_route(rt: nl.Rtnl, family: int = socket.AF_INET) -> bool:
    return any(r["dst_len"] == 0 for r in _routes(rt, family))


def delete_inside(netns: str, ifname: str) -> bool:
    """Delete a link inside a netns (the veth peer goes with it); False if the netns or link is gone."""
    if not os.path.exists(netns):
        return False
    try:
        with _rt(netns) as rt:
            rt.request(nl.RTM_DELLINK, _ifinfo(name=ifname))
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return False
        raise _fail("delete interface", f"{ifname} in {netns}", exc) from None
    except OSError:
        return False
    return True
