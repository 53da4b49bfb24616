"""A small synchronous NETLINK_ROUTE client: one socket, sequence numbers, ACKs, refusals and dumps.

The wire format is pyroute2's: its message classes encode each request (``msg.encode()``) and its parser decodes
the replies. They are handed in by ``rtmsg`` (the only pyroute2 importer) as a ``parse`` function; this module owns
only the socket and the exchange, the way the DNS responder owns its UDP socket and leaves the packets to dnslib.
No event loop, no helper thread: a request is one ``sendto`` and blocking ``recv`` calls (retried on EINTR by
Python itself). A client is not thread-safe: ``host`` keeps one per thread, ``inside`` makes one for a call.

``lazy_package`` lets the importer load pyroute2's message modules without the package's ``__init__`` (which
imports ipdb, ndb, conntrack, asyncio...).
"""

from __future__ import annotations

import errno
import importlib
import importlib.machinery
import importlib.util
import itertools
import os
import select
import socket
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Self

from runtime.errors import KernelError, NetworkError
from runtime.linux.syscalls import CLONE_NEWNET, Syscalls

# kernel ABI numbers (linux/netlink.h, linux/rtnetlink.h); tests check them against pyroute2's
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_GETROUTE = 26
RTMGRP_LINK = 0x1

BUFSIZE = 65536  # the kernel fills a dump datagram up to 32 KiB
DUMP_TRIES = 3

Parse = Callable[[bytes], Iterable[Any]]


class DumpInterrupted(OSError):
    """The table changed during every try of a dump (NLM_F_DUMP_INTR), so no consistent copy was read."""


class Rtnl:
    """One NETLINK_ROUTE socket. ``sock`` adopts a socket made elsewhere (e.g. inside another netns); ``groups``
    subscribes to multicast notifications (RTMGRP_*), counted by ``arrivals``."""

    def __init__(self, parse: Parse, sock: socket.socket | None = None, groups: int = 0) -> None:
        self._parse = parse
        if sock is None:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, socket.NETLINK_ROUTE)
        self.sock = sock
        self._seq = itertools.count(1)
        self._close = weakref.finalize(self, sock.close)  # closed with the client, even if never closed by hand
        try:
            sock.bind((0, groups))
        except BaseException:
            self.close()
            raise

    @property
    def closed(self) -> bool:
        return self.sock.fileno() < 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, mtype: int, msg: Any, flags: int = 0) -> list[Any]:
        """Send ``msg`` as ``mtype`` with ``flags`` and wait for the kernel's answer: the messages it sent back
        before its ACK. A refusal raises the parser's error (pyroute2's NetlinkError, ``.code`` the errno)."""
        seq = self._send(mtype, msg, flags | NLM_F_ACK)
        return self._replies(seq)[0]

    def dump(self, mtype: int, msg: Any) -> list[Any]:
        """Every object of a table (RTM_GET* with NLM_F_DUMP), read until NLMSG_DONE; redone when the kernel
        flags the dump as interrupted by a change."""
        for _ in range(DUMP_TRIES):
            seq = self._send(mtype, msg, NLM_F_DUMP)
            out, interrupted = self._replies(seq)
            if not interrupted:
                return out
        raise DumpInterrupted(errno.EAGAIN, f"netlink dump of message type {mtype} kept changing")

    def arrivals(self, timeout: float) -> int:
        """How many multicast datagrams arrive within ``timeout`` seconds (0 if none), all that are queued once one
        is; drained, not decoded. Raises OSError(ENOBUFS) if the kernel dropped some (its queue overflowed)."""
        if not select.select([self.sock], [], [], max(timeout, 0.0))[0]:
            return 0
        count = 0
        while True:
            try:
                self.sock.recv(BUFSIZE, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return count
            count += 1

    def _send(self, mtype: int, msg: Any, flags: int) -> int:
        seq = next(self._seq) & 0xFFFFFFFF or next(self._seq)
        header = msg["header"]
        header["type"] = mtype
        header["flags"] = NLM_F_REQUEST | flags
        header["sequence_number"] = seq
        header["pid"] = 0
        msg.reset()  # encode from scratch: the message may have been sent before
        msg.encode()
        self.sock.sendto(msg.data, (0, 0))
        return seq

    def _replies(self, seq: int) -> tuple[list[Any], bool]:
        """The messages answering ``seq`` up to its ACK or NLMSG_DONE, and whether the dump was interrupted.
        Answers to other sequence numbers (left over from an earlier, aborted exchange) are dropped."""
        out: list[Any] = []
        interrupted = False
        while True:
            for msg in self._parse(self.sock.recv(BUFSIZE)):
                header = msg["header"]
                if header["sequence_number"] != seq:
                    continue
                interrupted |= bool(header["flags"] & NLM_F_DUMP_INTR)
                if header["type"] == NLMSG_ERROR:
                    if header.get("error") is not None:
                        raise header["error"]
                    return out, interrupted
                if header["type"] == NLMSG_DONE:
                    return out, interrupted
                out.append(msg)


_tls = threading.local()


def _forget_in_child() -> None:  # a forked child must not share its parent's sockets
    global _tls
    _tls = threading.local()


os.register_at_fork(after_in_child=_forget_in_child)


class _Held:
    """A thread's client, closed when the thread's locals are dropped (the thread ended) or at exit."""

    def __init__(self, rt: Rtnl) -> None:
        self.rt = rt
        weakref.finalize(self, rt.close)


def host(parse: Parse) -> Rtnl:
    """This thread's client in the process's own netns: made on first use, reused, closed when the thread ends."""
    held = getattr(_tls, "held", None)
    if held is None:
        held = _tls.held = _Held(Rtnl(parse))
    return held.rt


_SYS: list[Syscalls] = []


def inside(netns: str, parse: Parse, groups: int = 0) -> Rtnl:
    """A client inside the netns at path ``netns`` (subscribed to ``groups``), for one call (close it: a kept
    socket keeps the netns alive). Its socket is made by this thread stepping into the netns and straight back
    (setns changes only the calling thread), not by a forked helper."""
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
    return Rtnl(parse, sock, groups)


def lazy_package(name: str) -> None:
    """Put package ``name`` in sys.modules WITHOUT running its ``__init__``, so that importing one of its
    submodules costs only that submodule. The package's own names appear on first use: a PEP 562 ``__getattr__``
    then runs the real ``__init__`` into the module (once, under a lock; a lookup made while it runs fails as on a
    module still initialising), so a later ``import name`` / ``from name import X`` anywhere in the process gets the
    whole package. Nothing happens if the package is already imported."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"no package named {name!r}", name=name)
    shell = importlib.util.module_from_spec(spec)
    lock = threading.RLock()
    running: list[bool] = []

    def __getattr__(attr: str) -> Any:
        if importlib.machinery.PathFinder.find_spec(f"{name}.{attr}", shell.__path__) is not None:
            return importlib.import_module(f"{name}.{attr}")  # a submodule (``from name import sub``): just that
        if not (attr.startswith("__") and attr != "__all__"):
            with lock:
                if "__getattr__" in shell.__dict__ and not running:
                    running.append(True)
                    try:
                        spec.loader.exec_module(shell)  # type: ignore[union-attr]
                        shell.__dict__.pop("__getattr__", None)
                    finally:
                        running.clear()
            if attr in shell.__dict__:
                return shell.__dict__[attr]
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    shell.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = shell
