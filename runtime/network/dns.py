"""The DNS responder: one per host (per DOCKYARD_RUN), listening on every network gateway, UDP and TCP.

The ONLY dnslib importer. Answers from network state on disk (records.py) and reloads when the files change
(mtime poll, or at once on SIGHUP); forwards other names to upstreams in worker threads.
"""

from __future__ import annotations

import itertools
import json
import os
import selectors
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Callable

from dnslib import AAAA, PTR, QTYPE, RCODE, RR, A, DNSRecord

from runtime.network import records, store

POLL_INTERVAL = 0.25
FORWARD_TIMEOUT = 2.0
CACHE_SIZE = 8192
MAX_ROTATIONS = 16


class Answerer:
    """Turns a query packet into a reply packet (or a forward decision) from the current table."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.table = records.build({})
        self._sig: tuple = ()
        self._checked = 0.0
        self._rr = itertools.count()
        self._cache: dict[tuple[str, str, bytes], list[bytes]] = {}

    def _signature(self) -> tuple:
        d = store.networks_dir(self.root)
        try:
            return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                                for e in os.scandir(d) if e.name.endswith(".json")))
        except FileNotFoundError:
            return ()

    def refresh(self, force: bool = False) -> bool:
        """Reload the table if the state files changed; True if it did."""
        now = time.monotonic()
        if not force and now - self._checked < POLL_INTERVAL:
            return False
        self._checked = now
        sig = self._signature()
        if sig == self._sig and not force:
            return False
        self._sig = sig
        self.table = records.build(store.read_all(self.root))
        self._cache = {}
        return True

    def answer(
        self, data: bytes, local_ip: str, src_ip: str
    ) -> tuple[bytes | None, records.Asker | None, DNSRecord | None]:
        """(reply, asker, request); reply is None when the query must be forwarded.

        Local answers are cached per (gateway, asker, question) as packed replies, one per rotation of the
        address list, until the table changes; a hit only swaps in the query id.
        """
        self.refresh()
        data = bytes(data)
        key = (local_ip, src_ip, data[2:])
        hit = self._cache.get(key)
        if hit is not None:
            return data[:2] + hit[next(self._rr) % len(hit)][2:], None, None
        who = records.asker(self.table, local_ip, src_ip)
        try:
            req = DNSRecord.parse(data)
        except Exception:  # noqa: BLE001 - any malformed packet is dropped
            return b"", who, None
        replies = self._local(req, who)
        if replies is None:
            return None, who, req
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = replies
        return replies[next(self._rr) % len(replies)], who, req

    def _local(self, req: DNSRecord, who: records.Asker) -> list[bytes] | None:
        """Packed replies (one per rotation) for names dockyard answers itself; None to forward."""
        reply = req.reply()
        reply.header.ra = 1
        if not req.questions:
            reply.header.rcode = RCODE.FORMERR
            return [bytes(reply.pack())]
        q = req.questions[0]
        qname = str(q.qname)
        if q.qtype == QTYPE.PTR:
            target = records.reverse(self.table, qname)
            if target is not None:
                reply.add_answer(RR(q.qname, QTYPE.PTR, rdata=PTR(target + "."), ttl=0))
                return [bytes(reply.pack())]
        else:
            ips = records.lookup(self.table, who, qname, v6=q.qtype == QTYPE.AAAA)
            if ips is not None:
                if q.qtype not in (QTYPE.A, QTYPE.AAAA, QTYPE.ANY) or not ips:
                    return [bytes(reply.pack())]
                return [self._with_a(req, q, ips[k:] + ips[:k]) for k in range(min(len(ips), MAX_ROTATIONS))]
            if records.is_local_name(self.table, who, qname):
                reply.header.rcode = RCODE.NXDOMAIN
                return [bytes(reply.pack())]
        if not who.forward:
            reply.header.rcode = RCODE.NXDOMAIN
            return [bytes(reply.pack())]
        return None

    @staticmethod
    def _with_a(req: DNSRecord, q, ips: tuple[str, ...]) -> bytes:
        reply = req.reply()
        reply.header.ra = 1
        for ip in ips:
            if ":" in ip:
                reply.add_answer(RR(q.qname, QTYPE.AAAA, rdata=AAAA(ip), ttl=0))
            else:
                reply.add_answer(RR(q.qname, QTYPE.A, rdata=A(ip), ttl=0))
        return bytes(reply.pack())


def servfail(req: DNSRecord) -> bytes:
    reply = req.reply()
    reply.header.rcode = RCODE.SERVFAIL
    return bytes(reply.pack())


def forward(data: bytes, upstreams: tuple[tuple[str, int], ...], timeout: float = FORWARD_TIMEOUT) -> bytes | None:
    """Ask each upstream in turn over UDP; the first answer with the query's id wins."""
    qid = data[:2]
    for host, port in upstreams:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            try:
                s.sendto(data, (host, port))
                while True:
                    resp, _ = s.recvfrom(65535)
                    if resp[:2] == qid:
                        return resp
            except OSError:
                continue
    return None


class Server:
    """The socket loop: UDP + TCP listeners on every gateway in the table; re-synced after each reload."""

    def __init__(self, root: Path, run: Path, upstreams: tuple[tuple[str, int], ...], port: int = 53) -> None:
        self.answerer = Answerer(root)
        self.run = Path(run)
        self.upstreams = upstreams
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.listeners: dict[str, tuple[socket.socket, socket.socket]] = {}
        self.stop = threading.Event()
        self.reload_now = threading.Event()
        self.failed: dict[str, str] = {}
        self.generation = 0
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.sel.register(self._wake_r, selectors.EVENT_READ, self._on_wake)

    def wakeup_fd(self) -> int:
        """Write end for ``signal.set_wakeup_fd``: a signal (SIGHUP, SIGTERM) wakes the loop at once."""
        return self._wake_w

    def _on_wake(self, fd: int) -> None:
        try:
            while os.read(fd, 512):
                pass
        except BlockingIOError:
            pass

    # -- sockets -----------------------------------------------------------------------------------------------
    def _open(self, gw: str) -> None:
        family = socket.AF_INET6 if ":" in gw else socket.AF_INET
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            for s in (udp, tcp):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((gw, self.port))
                s.setblocking(False)
            tcp.listen(64)
        except OSError as exc:
            udp.close()
            tcp.close()
            self.failed[gw] = str(exc)
            return
        self.failed.pop(gw, None)
        self.sel.register(udp, selectors.EVENT_READ, self._on_udp)
        self.sel.register(tcp, selectors.EVENT_READ, self._on_accept)
        self.listeners[gw] = (udp, tcp)

    def _close(self, gw: str) -> None:
        for s in self.listeners.pop(gw):
            self.sel.unregister(s)
            s.close()

    def sync(self) -> None:
        """Open listeners for new gateways, close those of removed networks, publish status."""
        want = set(self.answerer.table.gateways())
        for gw in sorted(set(self.listeners) - want):
            self._close(gw)
        for gw in sorted(want - set(self.listeners)):
            self._open(gw)
        self._write_status()

    def _write_status(self) -> None:
        self.generation += 1
        status = {"pid": os.getpid(), "generation": self.generation, "listening": sorted(self.listeners),
                  "failed": self.failed, "port": self.port, "networks": sorted(self.answerer.table.networks)}
        tmp = self.run / f".dnsd.json.{os.getpid()}"
        tmp.write_text(json.dumps(status))
        os.replace(tmp, self.run / "dnsd.json")

    # -- traffic -----------------------------------------------------------------------------------------------
    def _respond(self, data: bytes, local_ip: str, src_ip: str, send: Callable[[bytes], None]) -> None:
        reply, who, req = self.answerer.answer(data, local_ip, src_ip)
        if reply is None and req is not None:
            ups = tuple(records.hostport(u) for u in who.upstreams) if who else ()
            ups = ups or self.upstreams
            if not ups:
                send(servfail(req))
                return
            threading.Thread(target=self._forward, args=(data, ups, req, send), daemon=True).start()
        elif reply:
            send(reply)

    @staticmethod
    def _forward(data: bytes, ups: tuple[tuple[str, int], ...], req: DNSRecord, send: Callable[[bytes], None]) -> None:
        resp = forward(data, ups)
        try:
            send(resp if resp is not None else servfail(req))
        except OSError:
            pass

    def _on_udp(self, sock: socket.socket) -> None:
        for _ in range(64):
            try:
                data, addr = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            local_ip = sock.getsockname()[0]
            self._respond(data, local_ip, addr[0], lambda b, a=addr: sock.sendto(b, a))

    def _on_accept(self, sock: socket.socket) -> None:
        try:
            conn, addr = sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        threading.Thread(target=self._tcp_conn, args=(conn, sock.getsockname()[0], addr[0]), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket, local_ip: str, src_ip: str) -> None:
        conn.settimeout(5.0)
        lock = threading.Lock()

        def send(b: bytes) -> None:
            with lock:
                conn.sendall(struct.pack("!H", len(b)) + b)

        with conn:
            try:
                while not self.stop.is_set():
                    head = _recv_exact(conn, 2)
                    if head is None:
                        return
                    body = _recv_exact(conn, struct.unpack("!H", head)[0])
                    if body is None:
                        return
                    reply, who, req = self.answerer.answer(body, local_ip, src_ip)
                    if reply is None and req is not None and who is not None:
                        ups = tuple(records.hostport(u) for u in who.upstreams) or self.upstreams
                        resp = forward(body, ups) if ups else None
                        reply = resp if resp is not None else servfail(req)
                    if reply:
                        send(reply)
            except OSError:
                return

    def serve(self) -> None:
        """Run until ``stop`` is set."""
        self.answerer.refresh(force=True)
        self.sync()
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=POLL_INTERVAL):
                key.data(key.fileobj)
            force = self.reload_now.is_set()
            self.reload_now.clear()
            self.answerer.refresh(force=force)
            known = set(self.listeners) | set(self.failed)
            if force or known != set(self.answerer.table.gateways()):
                self.sync()
        for gw in list(self.listeners):
            self._close(gw)


def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
