"""The responder's socket loop on loopback (no root): answers over UDP and TCP, outlives malformed packets, picks up
state changes on reload and closes the listeners of removed networks."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading

import pytest
from dnslib import RCODE, DNSRecord

from runtime.network import dns
from tests.support.eventually import eventually

GW = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((GW, 0))
        port = t.getsockname()[1]
        u.bind((GW, port))
        return port


class Running:
    """A Server serving in a thread, with helpers to change state and ask questions."""

    def __init__(self, tmp_path) -> None:
        self.nets = tmp_path / "root" / "networks"
        self.nets.mkdir(parents=True)
        self.run = tmp_path / "run"
        self.run.mkdir()
        self.write({"a" * 64: {"ip": "10.1.0.2", "names": ["p-web-1", "web"]}})
        self.server = dns.Server(tmp_path / "root", self.run, (), port=free_port())
        self.thread = threading.Thread(target=self.server.serve, daemon=True)
        self.thread.start()
        eventually(lambda: GW in self.status().get("listening", []))

    def write(self, endpoints: dict, name: str = "p_default", gateway: str = GW) -> None:
        rec = {"name": name, "gateway": gateway, "subnet": "127.0.0.0/8", "internal": True, "endpoints": endpoints}
        (self.nets / f"{name}.json").write_text(json.dumps(rec))

    def status(self) -> dict:
        try:
            return json.loads((self.run / "dnsd.json").read_text())
        except (OSError, ValueError):
            return {}

    def reload(self) -> None:
        before = self.status()["generation"]
        self.server.reload_now.set()
        os.write(self.server.wakeup_fd(), b"\0")
        eventually(lambda: self.status()["generation"] > before)

    def udp(self, data: bytes, wait: float = 0.3) -> bytes | None:
        """The reply to ``data``, or None if none came within ``wait`` seconds."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(wait)
            s.sendto(data, (GW, self.server.port))
            try:
                return s.recv(4096)
            except TimeoutError:
                return None

    def ask(self, name: str, tcp: bool = False) -> DNSRecord:
        q = DNSRecord.question(name)
        return DNSRecord.parse(q.send(GW, self.server.port, tcp=tcp, timeout=3))

    def stop(self) -> None:
        self.server.stop.set()
        os.write(self.server.wakeup_fd(), b"\0")
        self.thread.join(timeout=5)


@pytest.fixture
def running(tmp_path):
    r = Running(tmp_path)
    yield r
    r.stop()


def addresses(reply: DNSRecord) -> list[str]:
    return sorted(str(rr.rdata) for rr in reply.rr)


def test_answers_over_udp_and_tcp(running):
    assert addresses(running.ask("web")) == ["10.1.0.2"]
    assert addresses(running.ask("WEB", tcp=True)) == ["10.1.0.2"]


def test_malformed_and_odd_packets_do_not_stop_the_listener(running):
    head = struct.pack("!HHHHHH", 9, 0x0100, 1, 0, 0, 0)
    for junk in (b"", b"\x00", b"garbage!", head + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01", head + b"\x03we"):
        assert running.udp(junk) is None, junk
    no_question = struct.pack("!HHHHHH", 9, 0x0100, 0, 0, 0, 0)
    assert DNSRecord.parse(running.udp(no_question, wait=5)).header.rcode == RCODE.FORMERR
    assert addresses(running.ask("web")) == ["10.1.0.2"]


def test_a_change_is_answered_once_the_reload_is_published(running):
    assert running.ask("db").header.rcode == RCODE.NXDOMAIN
    running.write({"a" * 64: {"ip": "10.1.0.2", "names": ["p-web-1", "web"]},
                   "b" * 64: {"ip": "10.1.0.3", "names": ["p-db-1", "db"]}})
    running.reload()
    assert addresses(running.ask("db")) == ["10.1.0.3"]


def test_the_listener_of_a_removed_network_is_closed(running):
    (running.nets / "p_default.json").unlink()
    running.reload()
    assert running.status()["listening"] == []
    assert running.udp(DNSRecord.question("web").pack()) is None
    assert not any(t.name == f"udp {GW}" for t in threading.enumerate())
