"""The responder's reply cache: a repeated query (any id) gets byte for byte what dnslib answers a fresh one, replicas
rotate, the cache never outlives the table it came from, and odd, truncated or malformed packets never raise."""

from __future__ import annotations

import itertools
import json
import random
import struct

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSRecord

from runtime.network import dns, records

WEB1, WEB2, API, DB = "a" * 64, "b" * 64, "c" * 64, "d" * 64


@pytest.fixture
def root(tmp_path):
    d = tmp_path / "networks"
    d.mkdir()

    def write(name, gw, subnet, eps, **extra):
        rec = {"name": name, "gateway": gw, "subnet": subnet, "internal": False, "endpoints": eps, **extra}
        (d / f"{name}.json").write_text(json.dumps(rec))

    write("shop_front", "10.1.0.1", "10.1.0.0/24", {
        WEB1: {"ip": "10.1.0.2", "ip6": "fd00:1::2", "names": ["shop-web-1", "web", "Www"]},
        WEB2: {"ip": "10.1.0.3", "ip6": "fd00:1::3", "names": ["shop-web-2", "web"]},
        API: {"ip": "10.1.0.4", "ip6": "fd00:1::4", "names": ["shop-api-1", "api"]},
    }, enable_ipv6=True, gateway6="fd00:1::1")
    write("shop_back", "10.2.0.1", "10.2.0.0/24", {
        API: {"ip": "10.2.0.4", "names": ["shop-api-1", "api"]},
        DB: {"ip": "10.2.0.5", "names": ["shop-db-1", "db", "database"], "dns": ["127.0.0.9"]},
    }, internal=True)
    return tmp_path


ASKERS = [("10.1.0.1", "10.1.0.2"), ("10.1.0.1", "10.1.0.4"), ("10.2.0.1", "10.2.0.5"), ("10.1.0.1", "10.1.0.99"),
          ("fd00:1::1", "fd00:1::2"), ("10.9.9.1", "10.9.9.2")]
NAMES = ["web", "WEB", "wEb.Shop_Front", "www", "api", "db", "database", "shop-db-1", "nosuch", "nosuch.shop_back",
         "example.org", "2.0.1.10.in-addr.arpa", "4.0.2.10.IN-ADDR.arpa", "9.9.9.10.in-addr.arpa",
         ".".join(reversed("fd000001000000000000000000000003")) + ".ip6.arpa", "aaaaaaaaaaaa", "web.shop_front"]
QTYPES = ["A", "AAAA", "PTR", "ANY", "MX", "TXT"]


def query(name: str, qtype: str = "A", *, qid: int = 4660, flags: int = 0x0100, edns: bool = False) -> bytes:
    q = DNSRecord.question(name, qtype)
    q.header.id, q.header.bitmap = qid, flags
    if edns:
        q.add_ar(EDNS0(udp_len=1232))
    return bytes(q.pack())


def packets(entry) -> object:
    """The replies an entry gives (one per rotation, id 0x1234), or the entry itself for a forward or a drop."""
    if entry is None or entry in (dns.FORWARD, dns.DROP):
        return entry
    head, answers = entry
    return [b"\x12\x34" + head + a for a in answers]


def loaded(root) -> dns.Answerer:
    ans = dns.Answerer(root)
    ans.refresh(force=True)
    return ans


def fresh(root, data: bytes, gw: str, src: str):
    """What a responder with an empty cache replies (dnslib parses and packs every part of it)."""
    return loaded(root).respond(data, gw, src)[0]


def with_id(reply, qid: int):
    return reply if not reply else struct.pack("!H", qid) + reply[2:]


@pytest.mark.parametrize("gw,src", ASKERS)
def test_a_cached_reply_is_what_dnslib_answers_a_fresh_query_with_the_askers_id(root, gw, src):
    ans = loaded(root)
    for name, qtype, flags, edns in itertools.product(NAMES, QTYPES, (0x0100, 0x0000, 0x0130), (False, True)):
        first = ans.respond(query(name, qtype, flags=flags, edns=edns, qid=1), gw, src)[0]
        again = ans.respond(query(name, qtype, flags=flags, edns=edns, qid=2), gw, src)[0]
        expected = fresh(root, query(name, qtype, flags=flags, edns=edns, qid=2), gw, src)
        if first and len(DNSRecord.parse(first).rr) > 1:  # replicas: the cached reply is the next rotation
            assert sorted(map(str, DNSRecord.parse(again).rr)) == sorted(map(str, DNSRecord.parse(expected).rr))
            assert again[:12] == expected[:12]
        else:
            assert again == expected, (name, qtype, flags, edns)
            assert with_id(first, 2) == again


def test_replies_echo_the_question_as_asked_and_answer_in_any_case(root):
    ans = loaded(root)
    reply, _ = ans.respond(query("WeB"), "10.1.0.1", "10.1.0.4")
    parsed = DNSRecord.parse(reply)
    assert str(parsed.q.qname) == "WeB." and parsed.header.id == 4660
    assert sorted(str(r.rdata) for r in parsed.rr) == ["10.1.0.2", "10.1.0.3"]


def test_replicas_rotate_round_robin(root):
    ans = loaded(root)
    orders = {tuple(str(r.rdata) for r in DNSRecord.parse(ans.respond(query("web"), "10.1.0.1", "10.1.0.4")[0]).rr)
              for _ in range(4)}
    assert orders == {("10.1.0.2", "10.1.0.3"), ("10.1.0.3", "10.1.0.2")}


def test_names_are_visible_only_on_the_askers_networks(root):
    ans = loaded(root)

    def ask(name, src):
        return DNSRecord.parse(ans.respond(query(name), "10.1.0.1", src)[0])

    assert ask("db", "10.1.0.2").header.rcode == RCODE.NXDOMAIN, "web shares no network with db"
    assert [str(r.rdata) for r in ask("db", "10.1.0.4").rr] == ["10.2.0.5"], "api is on both networks"


def test_aaaa_ptr_and_aliases(root):
    ans = loaded(root)
    www = DNSRecord.parse(ans.respond(query("www", "AAAA"), "fd00:1::1", "fd00:1::3")[0])
    assert [str(r.rdata) for r in www.rr] == ["fd00:1::2"] and www.rr[0].rtype == QTYPE.AAAA
    ptr = DNSRecord.parse(ans.respond(query("3.0.1.10.in-addr.arpa", "PTR"), "10.1.0.1", "10.1.0.2")[0])
    assert [str(r.rdata) for r in ptr.rr] == ["shop-web-2."]


def test_an_edns_query_is_answered_like_a_plain_one(root):
    ans = loaded(root)
    reply = DNSRecord.parse(ans.respond(query("api", edns=True), "10.1.0.1", "10.1.0.2")[0])
    assert [str(r.rdata) for r in reply.rr] == ["10.1.0.4"]


def test_ptr_target_sharing_a_suffix_with_the_question_round_trips_through_the_cache(tmp_path):
    d = tmp_path / "networks"
    d.mkdir()
    eps = {WEB1: {"ip": "10.3.0.2", "names": ["arpa"]}, WEB2: {"ip": "10.3.0.3", "names": ["in-addr.arpa"]}}
    rec = {"name": "n", "gateway": "10.3.0.1", "subnet": "10.3.0.0/24", "internal": False, "endpoints": eps}
    (d / "n.json").write_text(json.dumps(rec))
    ans = loaded(tmp_path)
    for name in ("2.0.3.10.in-addr.arpa", "3.0.3.10.in-addr.arpa", "3.0.3.10.IN-ADDR.ARPA"):
        ans.respond(query(name, "PTR", qid=1), "10.3.0.1", "10.3.0.2")
        cached = ans.respond(query(name, "PTR"), "10.3.0.1", "10.3.0.2")[0]
        assert cached == fresh(tmp_path, query(name, "PTR"), "10.3.0.1", "10.3.0.2"), name
        assert str(DNSRecord.parse(cached).rr[0].rdata).rstrip(".") in ("arpa", "in-addr.arpa"), name


def header(qd=1, an=0, ns=0, ar=0, flags=0x0100, qid=7):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


WEB_A = b"\x03web\x00\x00\x01\x00\x01"  # the question "web IN A"
RR_A = b"\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x01\x02\x03\x04"  # type, class, ttl, rdata of an A record
OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00"  # root name, OPT, udp size 1232, ttl; rdlength follows

ODD = {
    "two questions": header(qd=2) + WEB_A + b"\x03api\x00\x00\x01\x00\x01",
    "no question": header(qd=0),
    "a response": header(flags=0x8180) + WEB_A,
    "opcode status": header(flags=0x1100) + WEB_A,
    "truncated flag": header(flags=0x0300) + WEB_A,
    "class CH": header() + b"\x03web\x00\x00\x01\x00\x03",
    "compressed name": header() + b"\xc0\x0c\x00\x01\x00\x01",
    "dotted label": header() + b"\x07web.api\x00\x00\x01\x00\x01",
    "space in label": header() + b"\x03w b\x00\x00\x01\x00\x01",
    "root name": header() + b"\x00\x00\x01\x00\x01",
    "trailing bytes": header() + WEB_A + b"junk",
    "answer record": header(an=1) + WEB_A + b"\xc0\x0c" + RR_A,
    "non-opt additional": header(ar=1) + WEB_A + b"\x00" + RR_A,
    "opt with short option": header(ar=1) + WEB_A + OPT + b"\x00\x03\x00\x0a\x00",
    "opt option longer than the record": header(ar=1) + WEB_A + OPT + b"\x00\x06\x00\x0a\x00\x05ab",
    "label over 63 bytes": header() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",
    "pointer into a long packet": header() + b"\xc0" + b"a" * 200 + b"\x00\x00\x01\x00\x01",
    "cut in the name": header() + b"\x03we",
    "cut in the type": header() + b"\x03web\x00\x00",
    "header only part": b"\x00\x07\x01",
    "empty": b"",
}


@pytest.mark.parametrize("what", sorted(ODD))
def test_odd_packets_are_answered_or_dropped_by_dnslib_and_the_same_from_the_cache(root, what):
    data = ODD[what]
    ans = loaded(root)
    who = records.asker(ans.table, "10.1.0.1", "10.1.0.2")
    full = dns.full_entry(ans.table, data, who)
    for _ in range(2):  # a miss, then a hit
        reply, _ = ans.respond(data, "10.1.0.1", "10.1.0.2")
        if full in (dns.DROP, dns.FORWARD):
            assert reply == (b"" if full == dns.DROP else None)
        else:
            assert reply in {data[:2] + full[0] + answer for answer in full[1]}


def test_two_questions_are_answered_for_the_first_one_only(root):
    ans = loaded(root)
    reply = DNSRecord.parse(ans.respond(ODD["two questions"], "10.1.0.1", "10.1.0.2")[0])
    assert sorted(str(r.rdata) for r in reply.rr) == ["10.1.0.2", "10.1.0.3"]
    assert [str(q.qname) for q in reply.questions] == ["web."]


def test_a_packet_without_questions_gets_formerr(root):
    ans = loaded(root)
    assert DNSRecord.parse(ans.respond(ODD["no question"], "10.1.0.1", "10.1.0.2")[0]).header.rcode == RCODE.FORMERR


def test_mangled_queries_never_raise_and_a_repeat_gets_the_same_reply(root):
    rng = random.Random(5)
    ans = loaded(root)
    seeds = [query(n, t, edns=e) for n, t, e in itertools.product(NAMES[:8], ("A", "AAAA", "PTR"), (False, True))]
    for _ in range(3000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[pos] = rng.randrange(256)
            else:
                del data[pos:]
                if not data:
                    break
        data = bytes(data)
        first = ans.respond(data, "10.1.0.1", "10.1.0.2")[0]
        again = ans.respond(data, "10.1.0.1", "10.1.0.2")[0]
        if not first or len(DNSRecord.parse(first).rr) < 2:
            assert first == again, data.hex()


def test_the_cache_goes_with_the_table_on_reload(root):
    ans = loaded(root)
    assert [str(r.rdata) for r in DNSRecord.parse(ans.respond(query("api"), "10.1.0.1", "10.1.0.2")[0]).rr] \
        == ["10.1.0.4"]
    path = root / "networks" / "shop_front.json"
    rec = json.loads(path.read_text())
    rec["endpoints"][API]["ip"] = "10.1.0.44"
    path.write_text(json.dumps(rec))
    ans.refresh(force=True)
    assert [str(r.rdata) for r in DNSRecord.parse(ans.respond(query("api"), "10.1.0.1", "10.1.0.2")[0]).rr] \
        == ["10.1.0.44"]


def test_forwarded_names_are_forwarded_unless_the_asker_is_internal(root):
    ans = loaded(root)
    assert ans.respond(query("example.org"), "10.1.0.1", "10.1.0.2")[0] is None
    reply = ans.respond(query("example.org"), "10.2.0.1", "10.2.0.5")[0]
    assert DNSRecord.parse(reply).header.rcode == RCODE.NXDOMAIN
