"""The DNS responder: one per host (per DOCKYARD_RUN), listening on every network gateway, UDP and TCP.

The ONLY dnslib importer. Answers from network state on disk (records.py) and reloads when the files change
(mtime poll, or at once on SIGHUP); forwards other names to upstreams in worker threads. Every reply is built by
dnslib; replies are cached per table, so a repeated query costs a dict lookup and the copy of its id.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import select
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
MAX_ROTATIONS = 16  # replies cached per name with replicas; they rotate round-robin


class _Snapshot:
    """One table and the replies cached from it; swapped whole on reload, so a stale reply is never cached."""

    __slots__ = ("replies", "table")

    def __init__(self, table: records.Table) -> None:
        self.table = table
        self.replies: dict[tuple[str, str, bytes], tuple] = {}


FORWARD = (None, ())  # an entry: ask upstream
DROP = (b"", ())  # an entry: no reply at all


class Answerer:
    """Turns a query packet into a reply packet (or a forward decision) from the current table.

    Replies are cached per (gateway, asker, packet after the id) as an entry (head, answers): the reply is the
    query id + head + one of the answers, rotated per reply. A miss is parsed and answered by dnslib (full_entry),
    deciding with ``records.decide``. The cache lives with the table it was made from and goes with it on reload.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._snap = _Snapshot(records.build({}))
        self._sig: tuple = ()
        self._checked = 0.0
        self._rr = itertools.count()

    @property
    def table(self) -> records.Table:
        return self._snap.table

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
        self._snap = _Snapshot(records.build(store.read_all(self.root)))
        return True

    def answer(
        self, data: bytes, local_ip: str, src_ip: str
    ) -> tuple[bytes | None, records.Asker | None, DNSRecord | None]:
        """(reply, asker, request) after a reload check; reply is None when the query must be forwarded, b"" when
        it is dropped. The request is parsed only for a forward."""
        self.refresh()
        reply, who = self.respond(bytes(data), local_ip, src_ip)
        return reply, who, (_parse(data) if reply is None else None)

    def respond(self, data: bytes, local_ip: str, src_ip: str) -> tuple[bytes | None, records.Asker | None]:
        """(reply, asker) from the current table without a reload check (the server reloads on its own)."""
        snap = self._snap
        key = (local_ip, src_ip, data[2:])
        hit = snap.replies.get(key)
        if hit is None:
            who = records.asker(snap.table, local_ip, src_ip)
            head, answers = full_entry(snap.table, data, who)
            if head is not None and not answers:
                return b"", who
            if len(snap.replies) >= CACHE_SIZE:
                snap.replies.clear()
            hit = snap.replies[key] = (head, answers, who)
        head, answers, who = hit
        if head is None:
            return None, who
        return data[:2] + head + answers[next(self._rr) % len(answers)], who


def full_entry(table: records.Table, data: bytes, who: records.Asker) -> tuple:
    """The entry for any packet through dnslib: DROP when it does not parse."""
    req = _parse(data)
    if req is None:
        return DROP
    try:
        replies = _local(table, req, who)
    except Exception:  # noqa: BLE001 - a name dnslib parsed but cannot pack (a label over 63 bytes) is dropped
        return DROP
    if replies is None:
        return FORWARD
    return b"", tuple(r[2:] for r in replies)


def _parse(data: bytes) -> DNSRecord | None:
    try:
        return DNSRecord.parse(data)
    except Exception:  # noqa: BLE001 - any malformed packet is dropped
        return None


def _local(table: records.Table, req: DNSRecord, who: records.Asker) -> list[bytes] | None:
    """Packed replies (one per rotation) for names dockyard answers itself; None to forward."""
    reply = req.reply()
    reply.header.ra = 1
    if not req.questions:
        reply.header.rcode = RCODE.FORMERR
        return [bytes(reply.pack())]
    q = req.questions[0]
    decision = records.decide(table, who, str(q.qname), q.qtype)
    if decision is None:
        return None
    if decision.ptr is not None:
        reply.add_answer(RR(q.qname, QTYPE.PTR, rdata=PTR(decision.ptr + "."), ttl=0))
    elif decision.ips:
        ips = decision.ips
        return [_with_a(req, q, ips[k:] + ips[:k]) for k in range(min(len(ips), MAX_ROTATIONS))]
    if decision.rcode:
        reply.header.rcode = decision.rcode
    return [bytes(reply.pack())]


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
    """The socket loop: UDP + TCP listeners on every gateway in the table; re-synced after each reload.

    Each UDP listener has a thread of its own blocked in recvfrom: a query costs one recvfrom and one sendto, with
    no poll in between. The main thread polls the wake-up pipe and the TCP listeners, reloads state (SIGHUP, or a
    changed file seen at most POLL_INTERVAL later) and opens or closes listeners. TCP connections and forwarded
    queries get threads of their own.
    """

    def __init__(self, root: Path, run: Path, upstreams: tuple[tuple[str, int], ...], port: int = 53) -> None:
        self.answerer = Answerer(root)
        self.run = Path(run)
        self.upstreams = upstreams
        self.port = port
        self.poller = select.epoll()
        self.handlers: dict[int, Callable[[], None]] = {}
        self.listeners: dict[str, tuple[socket.socket, socket.socket]] = {}
        self._udp_threads: dict[str, tuple[threading.Thread, threading.Event]] = {}
        self.stop = threading.Event()
        self.reload_now = threading.Event()
        self.failed: dict[str, str] = {}
        self.generation = 0
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._watch(self._wake_r, self._on_wake)

    def wakeup_fd(self) -> int:
        """Write end for ``signal.set_wakeup_fd``: a signal (SIGHUP, SIGTERM) wakes the loop at once."""
        return self._wake_w

    def _watch(self, fd: int, handler: Callable[[], None]) -> None:
        self.handlers[fd] = handler
        self.poller.register(fd, select.EPOLLIN)

    def _on_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
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
            tcp.setblocking(False)
            tcp.listen(64)
        except OSError as exc:
            udp.close()
            tcp.close()
            self.failed[gw] = str(exc)
            return
        self.failed.pop(gw, None)
        self._watch(tcp.fileno(), lambda: self._on_accept(tcp, gw))
        self.listeners[gw] = (udp, tcp)
        closing = threading.Event()
        thread = threading.Thread(target=self._udp_loop, args=(udp, gw, closing), name=f"udp {gw}", daemon=True)
        self._udp_threads[gw] = (thread, closing)
        thread.start()

    def _close(self, gw: str) -> None:
        udp, tcp = self.listeners.pop(gw)
        thread, closing = self._udp_threads.pop(gw)
        closing.set()
        with contextlib.suppress(OSError):
            udp.shutdown(socket.SHUT_RDWR)  # wakes the thread's recvfrom (ENOTCONN is expected for UDP)
        thread.join(timeout=2.0)
        udp.close()
        self.poller.unregister(tcp.fileno())
        self.handlers.pop(tcp.fileno(), None)
        tcp.close()

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
    def _udp_loop(self, sock: socket.socket, local_ip: str, closing: threading.Event) -> None:
        """Serve one UDP listener until it is closed; no packet, however odd, ends the loop."""
        recv, send, respond = sock.recvfrom, sock.sendto, self.answerer.respond
        while not closing.is_set():
            try:
                data, addr = recv(4096)
            except OSError as exc:
                if exc.errno == errno.EBADF:
                    return
                continue
            if closing.is_set():
                return
            try:
                reply, who = respond(data, local_ip, addr[0])
                if reply:
                    send(reply, addr)
                elif reply is None:
                    self._start_forward(data, who, lambda b, a=addr: send(b, a))
            except Exception:  # noqa: BLE001 - one bad packet or unreachable asker must not stop the listener
                continue

    def _upstreams(self, who: records.Asker | None) -> tuple[tuple[str, int], ...]:
        ups = tuple(records.hostport(u) for u in who.upstreams) if who else ()
        return ups or self.upstreams

    def _start_forward(self, data: bytes, who: records.Asker | None, send: Callable[[bytes], None]) -> None:
        ups = self._upstreams(who)
        if not ups:
            _send_quietly(send, _servfail_for(data))
            return
        threading.Thread(target=self._forward, args=(data, ups, send), daemon=True).start()

    @staticmethod
    def _forward(data: bytes, ups: tuple[tuple[str, int], ...], send: Callable[[bytes], None]) -> None:
        resp = forward(data, ups)
        _send_quietly(send, resp if resp is not None else _servfail_for(data))

    def _on_accept(self, sock: socket.socket, local_ip: str) -> None:
        try:
            conn, addr = sock.accept()
        except OSError:
            return
        threading.Thread(target=self._tcp_conn, args=(conn, local_ip, addr[0]), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket, local_ip: str, src_ip: str) -> None:
        conn.settimeout(5.0)
        with conn:
            try:
                while not self.stop.is_set():
                    head = _recv_exact(conn, 2)
                    if head is None:
                        return
                    body = _recv_exact(conn, struct.unpack("!H", head)[0])
                    if body is None:
                        return
                    reply, who, _ = self.answerer.answer(body, local_ip, src_ip)
                    if reply is None:
                        ups = self._upstreams(who)
                        resp = forward(body, ups) if ups else None
                        reply = resp if resp is not None else _servfail_for(body)
                    if reply:
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                return

    def serve(self) -> None:
        """Run until ``stop`` is set."""
        self.answerer.refresh(force=True)
        self.sync()
        poll, handlers = self.poller.poll, self.handlers
        while not self.stop.is_set():
            for fd, _ in poll(POLL_INTERVAL):
                handler = handlers.get(fd)
                if handler is not None:
                    handler()
            force = self.reload_now.is_set()
            if force:
                self.reload_now.clear()
            changed = self.answerer.refresh(force=force)
            if force or (changed and set(self.listeners) | set(self.failed) != set(self.answerer.table.gateways())):
                self.sync()
        for gw in list(self.listeners):
            self._close(gw)
        self.poller.close()


def _servfail_for(data: bytes) -> bytes:
    req = _parse(data)
    return servfail(req) if req is not None else b""


def _send_quietly(send: Callable[[bytes], None], reply: bytes) -> None:
    with contextlib.suppress(OSError):
        if reply:
            send(reply)


def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
