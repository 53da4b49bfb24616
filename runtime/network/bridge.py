"""Links, addresses and routes through netlink. The ONLY pyroute2 importer, and it imports pyroute2 on the first
netlink call (``ps``, ``config`` and ``--help`` never load it).

pyroute2 0.9's synchronous ``IPRoute`` drives an asyncio loop, by default a new one per object. So each thread
keeps one loop and one host ``IPRoute`` for its lifetime (an IPRoute must not be shared between threads), closed when
the thread ends or at exit; a namespace's ``IPRoute`` reuses that loop, is made on a socket this thread opens inside
the namespace (no forked helper) and lives for one call (a kept socket would keep the namespace alive).

Every failure becomes a NetworkError naming the step and the link; deletes are idempotent (ENODEV is success).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import select
import selectors
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from runtime.errors import KernelError, NetworkError
from runtime.linux.syscalls import CLONE_NEWNET, Syscalls
from runtime.network.linkwatch import LinkWatch

MAIN_TABLE = 254
AF_INET6 = 10
IFA_F_NODAD = 0x02
RTMGRP_LINK = 0x1


class NetlinkError(Exception):
    """Stands for pyroute2's NetlinkError until pyroute2 is loaded (before that no netlink call was made, so
    nothing can raise it); ``_load`` rebinds the name to pyroute2's class."""

    code = 0


_P: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    """pyroute2's classes, imported once, on the first netlink call."""
    if not _P:
        global NetlinkError
        from pyroute2 import IPRoute, IPRSocket
        from pyroute2.netlink.exceptions import NetlinkError as refused

        NetlinkError = refused  # type: ignore[misc]
        _P.update(IPRoute=IPRoute, IPRSocket=IPRSocket)
    return _P


def _fail(step: str, obj: str, exc: Exception, fix: str = "") -> NetworkError:
    kerr = KernelError(step, getattr(exc, "code", 0), obj)
    hint = f"; {fix}" if fix else ""
    err = NetworkError(f"{kerr}{hint}")
    err.__cause__ = kerr
    return err


class _Kept:
    """This thread's event loop and host IPRoute, closed when the thread's locals are dropped (or at exit)."""

    def __init__(self) -> None:
        # poll, not epoll: an epoll set is shared with forked children, whose closing it would silence ours
        self.loop = asyncio.SelectorEventLoop(selectors.PollSelector())
        self.host = _load()["IPRoute"](use_event_loop=self.loop)
        weakref.finalize(self, _close, self.host, self.loop)


def _close(ipr: Any, loop: asyncio.AbstractEventLoop) -> None:
    with contextlib.suppress(Exception):
        ipr.close()
    with contextlib.suppress(Exception):
        if not loop.is_running():
            loop.close()


_tls = threading.local()


def _forget_in_child() -> None:  # a forked child must not share its parent's sockets
    global _tls, _WATCH
    _tls = threading.local()
    _WATCH = LinkWatch(_LinkEvents)


os.register_at_fork(after_in_child=_forget_in_child)


def _kept() -> _Kept:
    kept = getattr(_tls, "kept", None)
    if kept is None:
        kept = _tls.kept = _Kept()
    return kept


@contextlib.contextmanager
def _ipr(netns: str | None = None) -> Iterator[Any]:
    """The thread's host IPRoute, or a fresh one inside ``netns`` (closed on exit)."""
    kept = _kept()
    if netns is None:
        yield kept.host
        return
    fd = _netns_socket(netns)
    try:
        ipr = _load()["IPRoute"](fileno=fd, use_event_loop=kept.loop)
    except BaseException:
        os.close(fd)
        raise
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


def _index(ipr: Any, name: str) -> int | None:
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
        return sorted(n for n in (l.get("ifname") for l in ipr.link("dump")) if n and n.startswith(prefix))


def link_exists(name: str) -> bool:
    with _ipr() as ipr:
        return _index(ipr, name) is not None


def host_networks() -> list[tuple[str, str]]:
    """Every IPv4 destination of the main routing table and every local address, as (cidr, description)."""
    out: list[tuple[str, str]] = []
    with _ipr() as ipr:
        for r in ipr.route("dump", family=socket.AF_INET, table=MAIN_TABLE):
            dst = r.get("dst")
            if dst and r["dst_len"] > 0:
                out.append((f"{dst}/{r['dst_len']}", "host route"))
        for a in ipr.addr("dump", family=socket.AF_INET):
            out.append((f"{a.get('address')}/{a['prefixlen']}", f"address on {a.get('label')}"))
    return out


def host_networks6() -> list[tuple[str, str]]:
    """Every global IPv6 destination of the main routing table and every global local address (link-local,
    multicast and the default route skipped), as (cidr, description)."""
    out: list[tuple[str, str]] = []
    with _ipr() as ipr:
        for r in ipr.route("dump", family=AF_INET6, table=MAIN_TABLE):
            dst = r.get("dst")
            if dst and r["dst_len"] > 0 and not dst.lower().startswith(("fe80", "ff")):
                out.append((f"{dst}/{r['dst_len']}", "host IPv6 route"))
        for a in ipr.addr("dump", family=AF_INET6):
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
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            if mtu:
                ipr.link("set", index=idx, mtu=mtu)
            ipr.addr("add", index=idx, address=gateway, prefixlen=prefixlen)
            ipr.link("set", index=idx, state="up")
        except NetlinkError as exc:
            with contextlib.suppress(NetlinkError):
                ipr.link("del", ifname=name)
            raise _fail("configure bridge", name, exc) from None


def wait_gone(names: list[str], timeout: float) -> list[str]:
    """Wait until the kernel removed the host links ``names`` (e.g. veths whose namespace is being destroyed);
    returns those still there after ``timeout``. The waiting threads share one link subscription."""
    with _ipr() as ipr:
        return _WATCH.wait_gone(names, timeout, lambda name: _index(ipr, name) is not None)


class _LinkEvents:
    """Host link notifications on pyroute2's select-compatible socket (no event loop)."""

    def __init__(self) -> None:
        self.sock = _load()["IPRSocket"](groups=0)
        try:
            self.sock.bind(groups=RTMGRP_LINK)
        except BaseException:
            self.sock.close()
            raise

    def read(self, timeout: float) -> list[tuple[bool, str]]:
        if not select.select([self.sock], [], [], max(timeout, 0))[0]:
            return []
        return [(m.get("event") == "RTM_DELLINK", m.get("ifname") or "") for m in self.sock.get()
                if m.get("event") in ("RTM_NEWLINK", "RTM_DELLINK")]

    def close(self) -> None:
        self.sock.close()


_WATCH = LinkWatch(_LinkEvents)


def delete_link(name: str) -> bool:
    """Delete a host link; False if it was already gone."""
    with _ipr() as ipr:
        try:
            ipr.link("del", ifname=name)
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return False
            raise _fail("delete link", name, exc) from None
    return True


def set_link_up(name: str, up: bool = True, netns: str | None = None) -> None:
    """Bring a link up or down (on the host, or inside ``netns``)."""
    with _ipr(netns) as ipr:
        try:
            ipr.link("set", ifname=name, state="up" if up else "down")
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                raise NetworkError(f"set link {name} {'up' if up else 'down'}: no such link; was it removed?") from None
            raise _fail("set link state", name, exc) from None


def next_ifname(netns: str) -> str:
    """The first free ``ethN`` inside a netns."""
    with _ipr(netns) as ipr:
        n = 0
        while _index(ipr, f"eth{n}") is not None:
            n += 1
    return f"eth{n}"


def create_veth(host: str, peer: str, bridge: str, mtu: int | None) -> None:
    """A veth pair with ``host`` enslaved to ``bridge`` and up; ``peer`` stays on the host until moved."""
    _veth(host, bridge, mtu, {"ifname": peer})


def plug_veth(host: str, bridge: str, mtu: int | None, netns: str, ifname: str, mac: str) -> None:
    """A veth pair made in one request: ``host`` enslaved to ``bridge`` and up, its peer created straight inside
    the netns at path ``netns`` as ``ifname`` with ``mac`` (down, unaddressed: see ``configure_inside``)."""
    try:
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetworkError(f"open netns {netns}: {exc.strerror}; is the container running?") from exc
    try:
        _veth(host, bridge, mtu, {"ifname": ifname, "address": mac, "net_ns_fd": fd})
    finally:
        os.close(fd)


_BRIDGES: dict[str, int] = {}  # bridge name -> ifindex (the kernel does not hand an index out again soon)


def _veth(host: str, bridge: str, mtu: int | None, peer: dict[str, Any]) -> None:
    """One RTM_NEWLINK: the veth ``host`` (mtu, master ``bridge``, up) and its ``peer``. The bridge's index is
    remembered; a refusal with a remembered index (the bridge may have been made again since) is retried once with
    the index looked up afresh."""
    mtus = {"mtu": mtu} if mtu else {}
    with _ipr() as ipr:
        remembered = _BRIDGES.get(bridge)
        br = remembered if remembered is not None else _bridge_index(ipr, host, bridge)
        while True:
            try:
                ipr.link("add", ifname=host, kind="veth", peer={**peer, **mtus}, master=br, state="up", **mtus)
                return
            except NetlinkError as exc:
                _BRIDGES.pop(bridge, None)
                fresh = None if remembered is None else _bridge_index(ipr, host, bridge)
                if fresh is None or fresh == remembered:
                    raise _fail("create veth", host, exc) from None
                br, remembered = fresh, None


def _bridge_index(ipr: Any, host: str, bridge: str) -> int:
    idx = _index(ipr, bridge)
    if idx is None:
        raise _fail("enslave veth to bridge", f"{host} -> {bridge}", NetlinkError(errno.ENODEV)) from None
    _BRIDGES[bridge] = idx
    return idx


def move_to_netns(name: str, netns: str) -> None:
    """Move a host link into the network namespace at path ``netns``."""
    try:
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetworkError(f"open netns {netns}: {exc.strerror}; is the container running?") from exc
    try:
        with _ipr() as ipr:
            ipr.link("set", ifname=name, net_ns_fd=fd)
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
    with _ipr(netns) as ipr:
        try:
            idx = _index(ipr, tmp_name)
            if idx is None:
                raise NetlinkError(errno.ENODEV)
            if tmp_name != ifname:
                ipr.link("set", index=idx, ifname=ifname)
            opts = ({"address": mac} if mac else {}) | ({"mtu": mtu} if mtu else {})
            if opts:
                ipr.link("set", index=idx, **opts)
            ipr.addr("add", index=idx, address=address, prefixlen=prefixlen)
            if address6:
                ipr.addr("add", index=idx, address=address6, prefixlen=prefixlen6, family=AF_INET6, flags=IFA_F_NODAD)
            ipr.link("set", index=idx, state="up")
            _lo_up(ipr)
            if gateway and (replace_default or not _has_default_route(ipr)):
                ipr.route("replace" if replace_default else "add", dst="0.0.0.0/0", gateway=gateway)
            if gateway6 and (replace_default or not _has_default_route(ipr, AF_INET6)):
                ipr.route("replace" if replace_default else "add", dst="::/0", gateway=gateway6, oif=idx,
                          family=AF_INET6)
        except NetlinkError as exc:
            raise _fail("configure interface", f"{ifname} in {netns}", exc) from None


def _lo_up(ipr: Any) -> None:
    try:
        ipr.link("set", ifname="lo", state="up")
    except NetlinkError as exc:
        if exc.code != errno.ENODEV:  # no lo: nothing to bring up
            raise


def _has_default_route(ipr: Any, family: int = socket.AF_INET) -> bool:
    return any(r["dst_len"] == 0 for r in ipr.route("dump", family=family, table=MAIN_TABLE))


def delete_inside(netns: str, ifname: str) -> bool:
    """Delete a link inside a netns (the veth peer goes with it); False if the netns or link is gone."""
    if not os.path.exists(netns):
        return False
    try:
        with _ipr(netns) as ipr:
            ipr.link("del", ifname=ifname)
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return False
        raise _fail("delete interface", f"{ifname} in {netns}", exc) from None
    except OSError:
        return False
    return True
