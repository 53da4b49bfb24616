"""Netlink messages through pyroute2. The ONLY pyroute2 importer: its message classes encode every request and
decode every reply; ``netlink.Rtnl`` carries them over a plain NETLINK_ROUTE socket (no event loop, no asyncio).

pyroute2 is loaded on the first netlink call (``ps``, ``config`` and ``--help`` never load it), and only its message
modules: its package ``__init__`` (ipdb, ndb, conntrack, asyncio...) waits until something else in the process asks
for it (``netlink.lazy_package``). Each thread keeps one host socket (``netlink.host``); a namespace's socket lives
for one call. Callers catch ``rtmsg.NetlinkError`` by attribute: it is pyroute2's class once ``load`` ran.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import socket
import threading
from typing import Any

from runtime.errors import KernelError, NetworkError
from runtime.network import netlink as nl

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
    nothing can raise it); ``load`` rebinds the name to pyroute2's class."""

    def __init__(self, code: int, msg: str | None = None) -> None:
        super().__init__(code, msg or os.strerror(code))
        self.code = code


_P: dict[str, Any] = {}
_LOAD_LOCK = threading.Lock()


def load() -> dict[str, Any]:
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


def fail(step: str, obj: str, exc: Exception, fix: str = "") -> NetworkError:
    kerr = KernelError(step, getattr(exc, "code", 0), obj)
    hint = f"; {fix}" if fix else ""
    err = NetworkError(f"{kerr}{hint}")
    err.__cause__ = kerr
    return err


def parse(data: bytes) -> Any:
    """Netlink datagram -> pyroute2 messages; pyroute2 is loaded by the first datagram to decode, so a subscription
    that never receives anything never loads it."""
    return load()["parse"](data)


def host() -> nl.Rtnl:
    """This thread's host client (one per thread, closed with the thread)."""
    return nl.host(parse)


def rt(netns: str | None = None) -> contextlib.AbstractContextManager[nl.Rtnl]:
    """The thread's host client, or a fresh one inside ``netns`` (closed on exit). Loads pyroute2 first, so that
    ``NetlinkError`` is its class before anything under this can raise or catch it."""
    load()
    return contextlib.nullcontext(host()) if netns is None else nl.inside(netns, parse)


# -- messages (pyroute2's classes; nested attributes as pyroute2 spells them) ------------------------------------

def ifinfo(index: int = 0, name: str | None = None, up: bool | None = None, attrs: tuple = ()) -> Any:
    msg = load()["ifinfmsg"]()
    msg["index"] = index
    if up is not None:
        msg["flags"], msg["change"] = (IFF_UP if up else 0), IFF_UP
    msg["attrs"] = ([("IFLA_IFNAME", name)] if name else []) + [a for a in attrs if a[1] is not None]
    return msg


def linkinfo(kind: str, data: list | None = None) -> tuple:
    info: list = [("IFLA_INFO_KIND", kind)]
    if data:
        info.append(("IFLA_INFO_DATA", {"attrs": data}))
    return ("IFLA_LINKINFO", {"attrs": info})


def addr_add(rt: nl.Rtnl, index: int, address: str, prefixlen: int, family: int = socket.AF_INET,
              flags: int = 0) -> None:
    msg = load()["ifaddrmsg"]()
    msg["family"], msg["prefixlen"], msg["index"], msg["flags"] = family, prefixlen, index, flags
    local = [("IFA_LOCAL", address)] if family == socket.AF_INET else []
    msg["attrs"] = [("IFA_ADDRESS", address), *local] + ([("IFA_FLAGS", flags)] if flags else [])
    rt.request(nl.RTM_NEWADDR, msg, nl.NLM_F_CREATE | nl.NLM_F_EXCL)


def dump(rt: nl.Rtnl, kind: str, family: int = 0) -> list[Any]:
    msg = load()[kind]()
    msg["family"] = family
    mtype = {"ifinfmsg": nl.RTM_GETLINK, "ifaddrmsg": nl.RTM_GETADDR, "rtmsg": nl.RTM_GETROUTE}[kind]
    return rt.dump(mtype, msg)


def routes(rt: nl.Rtnl, family: int) -> list[Any]:
    """The main table's routes of ``family`` (the kernel dumps every table)."""
    return [r for r in dump(rt, "rtmsg", family) if (r.get_attr("RTA_TABLE") or r["table"]) == MAIN_TABLE]


def route_default(rt: nl.Rtnl, family: int, gateway: str, replace: bool, oif: int | None = None) -> None:
    msg = load()["rtmsg"]()
    msg["family"], msg["dst_len"], msg["table"] = family, 0, MAIN_TABLE
    msg["proto"], msg["scope"], msg["type"] = RTPROT_STATIC, 0, RTN_UNICAST
    msg["attrs"] = [("RTA_TABLE", MAIN_TABLE), ("RTA_GATEWAY", gateway)] + ([("RTA_OIF", oif)] if oif else [])
    rt.request(nl.RTM_NEWROUTE, msg, nl.NLM_F_CREATE | (nl.NLM_F_REPLACE if replace else nl.NLM_F_EXCL))


def index_here(name: str) -> int | None:
    """The index of link ``name`` in this thread's netns, without netlink."""
    try:
        return socket.if_nametoindex(name)
    except (OSError, ValueError):
        return None


def index_in(rt: nl.Rtnl, name: str) -> int | None:
    """The index of link ``name`` in ``rt``'s netns (one RTM_GETLINK by name)."""
    try:
        return int(rt.request(nl.RTM_GETLINK, ifinfo(name=name))[0]["index"])
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return None
        raise
