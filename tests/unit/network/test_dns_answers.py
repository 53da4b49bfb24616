"""The responder's answers, from state files on disk (no sockets): A with rotation, PTR, NXDOMAIN, forwarding."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from runtime.network import dns

A = "a" * 64
B = "b" * 64


@pytest.fixture
def root(tmp_path):
    d = tmp_path / "networks"
    d.mkdir()

    def write(name, gw, subnet, eps, internal=False):
        rec = {"name": name, "gateway": gw, "subnet": subnet, "internal": internal, "endpoints": eps}
        (d / f"{name}.json").write_text(json.dumps(rec))

    write("p_default", "10.1.0.1", "10.1.0.0/24", {
        A: {"ip": "10.1.0.2", "names": ["p-web-1", "web"]},
        B: {"ip": "10.1.0.3", "names": ["p-web-2", "web"]},
    })
    write("p_int", "10.2.0.1", "10.2.0.0/24", {}, internal=True)
    return SimpleNamespace(path=tmp_path, write=write)


def ask(ans: dns.Answerer, name: str, qtype: str = "A", gw: str = "10.1.0.1", src: str = "10.1.0.2"):
    reply, who, req = ans.answer(DNSRecord.question(name, qtype).pack(), gw, src)
    return (DNSRecord.parse(reply) if reply else None), who


def test_service_name_returns_all_replicas_rotated(root):
    ans = dns.Answerer(root.path)
    orders = [tuple(str(r.rdata) for r in ask(ans, "web")[0].rr) for _ in range(2)]
    assert {frozenset(o) for o in orders} == {frozenset({"10.1.0.2", "10.1.0.3"})}
    assert orders[0] != orders[1]


def test_aaaa_for_a_known_name_is_empty_but_not_an_error(root):
    reply, _ = ask(dns.Answerer(root.path), "web", "AAAA")
    assert reply.header.rcode == RCODE.NOERROR and reply.rr == []


def test_unknown_single_label_is_nxdomain(root):
    reply, _ = ask(dns.Answerer(root.path), "nosuch")
    assert reply.header.rcode == RCODE.NXDOMAIN


def test_ptr_gives_the_container_name(root):
    reply, _ = ask(dns.Answerer(root.path), "3.0.1.10.in-addr.arpa", "PTR")
    assert [str(r.rdata) for r in reply.rr] == ["p-web-2."]


def test_outside_names_are_left_for_forwarding(root):
    reply, who = ask(dns.Answerer(root.path), "example.org")
    assert reply is None and who.forward


def test_internal_network_answers_nxdomain_instead_of_forwarding(root):
    reply, _ = ask(dns.Answerer(root.path), "example.org", gw="10.2.0.1", src="10.2.0.5")
    assert reply.header.rcode == RCODE.NXDOMAIN


def test_changed_state_is_picked_up_without_restart(root, monkeypatch):
    monkeypatch.setattr(dns, "POLL_INTERVAL", 0.0)
    ans = dns.Answerer(root.path)
    assert ask(ans, "db")[0].header.rcode == RCODE.NXDOMAIN
    root.write("p_default", "10.1.0.1", "10.1.0.0/24", {
        A: {"ip": "10.1.0.2", "names": ["p-web-1", "web"]},
        "c" * 64: {"ip": "10.1.0.9", "names": ["p-db-1", "db"]},
    })
    assert [str(r.rdata) for r in ask(ans, "db")[0].rr] == ["10.1.0.9"]


def test_malformed_packets_get_no_reply(root):
    reply, _, req = dns.Answerer(root.path).answer(b"\x00\x01garbage", "10.1.0.1", "10.1.0.2")
    assert reply == b"" and req is None


def test_servfail_keeps_the_query_id():
    q = DNSRecord.question("example.org")
    r = DNSRecord.parse(dns.servfail(q))
    assert r.header.id == q.header.id and r.header.rcode == RCODE.SERVFAIL and r.q.qtype == QTYPE.A
