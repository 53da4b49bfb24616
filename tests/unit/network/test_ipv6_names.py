"""IPv6 networks without root: ULA pool, configured subnets, AAAA/PTR answers, ip6 rules, disabled-IPv6 refusal."""

from __future__ import annotations

import ipaddress
import json

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from runtime.errors import NetworkError
from runtime.network import dns, ipam, nat, ports, records
from runtime.network.service import NetworkService, _normalise
from runtime.network.spec import NetworkSpec, PortInfo

N6 = ipaddress.IPv6Network
A = "a" * 64
B = "b" * 64


# -- IPAM -------------------------------------------------------------------------------------------------------
def test_first_ula_64_of_the_pool_is_taken_when_nothing_is_used():
    alloc = ipam.choose6("p_default", [])
    assert (str(alloc.subnet), str(alloc.gateway)) == ("fd00:6479:6b00::/64", "fd00:6479:6b00::1")


def test_ipv6_pool_skips_host_routes_and_other_networks():
    used = [(N6("fd00:6479:6b00::/63"), "host IPv6 route"), (N6("fd00:6479:6b00:2::/64"), "network other")]
    assert str(ipam.choose6("p_default", used).subnet) == "fd00:6479:6b00:3::/64"


def test_configured_ipv6_subnet_and_gateway_are_checked():
    alloc = ipam.choose6("p", [], "fd12:3::/64", "fd12:3::fe")
    assert (str(alloc.subnet), str(alloc.gateway)) == ("fd12:3::/64", "fd12:3::fe")
    with pytest.raises(NetworkError, match="overlaps fd12::/16 \\(network q\\)"):
        ipam.choose6("p", [(N6("fd12::/16"), "network q")], "fd12:3::/64")
    with pytest.raises(NetworkError, match="IPv6 gateway fd99::1 is outside subnet fd12:3::/64"):
        ipam.choose6("p", [], "fd12:3::/64", "fd99::1")
    with pytest.raises(NetworkError, match="invalid IPv6 subnet '10.0.0.0/24'"):
        ipam.choose6("p", [], "10.0.0.0/24")
    with pytest.raises(NetworkError, match="without an IPv6 subnet"):
        ipam.choose6("p", [], None, "fd12::1")


def test_ipv6_addresses_are_the_lowest_free_and_requests_are_checked():
    alloc = ipam.choose6("p", [])
    assert str(ipam.allocate_ip6("p", alloc, [])) == "fd00:6479:6b00::2"
    assert str(ipam.allocate_ip6("p", alloc, ["fd00:6479:6b00::2"])) == "fd00:6479:6b00::3"
    assert str(ipam.allocate_ip6("p", alloc, [], "fd00:6479:6b00::99")) == "fd00:6479:6b00::99"
    with pytest.raises(NetworkError, match="already in use"):
        ipam.allocate_ip6("p", alloc, ["fd00:6479:6b00::9"], "fd00:6479:6b00::9")
    with pytest.raises(NetworkError, match="not a host address of fd00:6479:6b00::/64"):
        ipam.allocate_ip6("p", alloc, [], "fd01::9")


# -- specs ------------------------------------------------------------------------------------------------------
def test_an_ipv6_ipam_subnet_given_as_subnet_is_read_as_subnet6():
    spec = _normalise(NetworkSpec("p", enable_ipv6=True, subnet="fd12::/64", gateway="fd12::fe"))
    assert (spec.subnet, spec.gateway, spec.subnet6, spec.gateway6) == (None, None, "fd12::/64", "fd12::fe")
    assert _normalise(NetworkSpec("p", subnet="10.0.0.0/24")).subnet == "10.0.0.0/24"


def test_ipv6_config_without_enable_ipv6_is_refused(tmp_path):
    svc = NetworkService(tmp_path / "root", tmp_path / "run")
    with pytest.raises(NetworkError, match="enable_ipv6 is false; set enable_ipv6: true"):
        svc.create_network(NetworkSpec("p", subnet6="fd12::/64"))


def test_enable_ipv6_on_a_host_with_ipv6_disabled_fails_clearly(tmp_path, monkeypatch):
    conf = tmp_path / "sys" / "ipv6" / "conf"
    for scope, value in (("all", "1"), ("default", "0")):
        (conf / scope).mkdir(parents=True)
        (conf / scope / "disable_ipv6").write_text(value + "\n")
    monkeypatch.setattr(nat, "SYSCTL", tmp_path / "sys")
    svc = NetworkService(tmp_path / "root", tmp_path / "run")
    with pytest.raises(NetworkError, match="create network p: enable_ipv6 is set but IPv6 is disabled on this host: "
                                           "net.ipv6.conf.all.disable_ipv6 is 1"):
        svc.create_network(NetworkSpec("p", enable_ipv6=True))
    assert not (tmp_path / "root" / "networks" / "p.json").exists()
    monkeypatch.setattr(nat, "SYSCTL", tmp_path / "nowhere")
    assert "no IPv6" in (nat.ipv6_disabled() or "")


# -- rules ------------------------------------------------------------------------------------------------------
def test_ipv6_network_gets_a_parallel_ip6_table_with_isolation_and_nat66():
    text = nat.render6("dy-x", "dy-x", "fd00:6479:6b00::/64", False)
    assert text.startswith("table ip6 dy-x {}\ndelete table ip6 dy-x\n")
    assert 'iifname "dy-x" oifname "dy-*" oifname != "dy-x" drop' in text
    assert 'ip6 saddr fd00:6479:6b00::/64 oifname != "dy-x" masquerade' in text


def test_internal_ipv6_network_may_not_leave_its_bridge():
    text = nat.render6("dy-x", "dy-x", "fd00:6479:6b00::/64", True)
    assert 'iifname "dy-x" oifname != "dy-x" drop' in text and 'oifname != "dy-x" masquerade' not in text


# -- names ------------------------------------------------------------------------------------------------------
@pytest.fixture
def root(tmp_path):
    d = tmp_path / "networks"
    d.mkdir()
    six = {"name": "six", "gateway": "10.1.0.1", "subnet": "10.1.0.0/24", "internal": False, "enable_ipv6": True,
           "gateway6": "fd00:6479:6b00::1", "subnet6": "fd00:6479:6b00::/64", "endpoints": {
               A: {"ip": "10.1.0.2", "ip6": "fd00:6479:6b00::2", "names": ["p-web-1", "web"]},
               B: {"ip": "10.1.0.3", "ip6": "fd00:6479:6b00::3", "names": ["p-web-2", "web", "front"]}}}
    four = {"name": "four", "gateway": "10.2.0.1", "subnet": "10.2.0.0/24", "internal": False, "endpoints": {
        "c" * 64: {"ip": "10.2.0.2", "names": ["p-db-1", "db"]}}}
    for rec in (six, four):
        (d / f"{rec['name']}.json").write_text(json.dumps(rec))
    return tmp_path


def ask(root, name: str, qtype: str, gw: str, src: str) -> DNSRecord:
    reply, _, _ = dns.Answerer(root).answer(DNSRecord.question(name, qtype).pack(), gw, src)
    assert reply
    return DNSRecord.parse(reply)


def test_aaaa_answers_every_replica_to_an_asker_on_the_ipv6_gateway(root):
    reply = ask(root, "web", "AAAA", "fd00:6479:6b00::1", "fd00:6479:6b00::3")
    assert {str(r.rdata) for r in reply.rr} == {"fd00:6479:6b00::2", "fd00:6479:6b00::3"}
    assert {r.rtype for r in reply.rr} == {QTYPE.AAAA}
    alias = ask(root, "front.six", "AAAA", "10.1.0.1", "10.1.0.2")
    assert [str(r.rdata) for r in alias.rr] == ["fd00:6479:6b00::3"]
    a = ask(root, "p-web-1", "A", "fd00:6479:6b00::1", "fd00:6479:6b00::3")
    assert [str(r.rdata) for r in a.rr] == ["10.1.0.2"]


def test_aaaa_for_a_name_on_an_ipv4_only_network_is_empty_not_nxdomain(root):
    reply = ask(root, "db", "AAAA", "10.2.0.1", "10.2.0.2")
    assert reply.header.rcode == RCODE.NOERROR and reply.rr == []


def test_ipv6_asker_is_known_by_its_ipv6_source_address(root):
    table = records.build({"six": json.loads((root / "networks" / "six.json").read_text())})
    who = records.asker(table, "fd00:6479:6b00::1", "fd00:6479:6b00::2")
    assert who.networks == ("six",) and who.forward


def test_ptr_for_an_ip6_arpa_name_gives_the_container_name(root):
    name = ipaddress.IPv6Address("fd00:6479:6b00::3").reverse_pointer
    reply = ask(root, name, "PTR", "fd00:6479:6b00::1", "fd00:6479:6b00::2")
    assert [str(r.rdata) for r in reply.rr] == ["p-web-2."]
    assert records.reverse(records.build({}), "1.2.ip6.arpa") is None


def test_ports_published_on_all_addresses_are_also_dnated_from_the_hosts_ipv6_addresses():
    published = [PortInfo("0.0.0.0", 8080, "tcp", "10.1.0.2", 80), PortInfo("127.0.0.1", 5353, "udp", "10.1.0.2", 53)]
    rules = ports.dnat6_rules(published, "fd00:6479:6b00::2")
    assert rules == [("prerouting", "fib daddr type local tcp dport 8080 dnat to [fd00:6479:6b00::2]:80"),
                     ("output", "fib daddr type local tcp dport 8080 dnat to [fd00:6479:6b00::2]:80")]
    text = nat.render6("dy-x", "dy-x", "fd00:6479:6b00::/64", False, rules)
    assert "chain prerouting {\n    type nat hook prerouting priority -100; policy accept;\n    fib daddr" in text
    assert 'oifname "dy-x" ip6 saddr fd00:6479:6b00::/64 ct status dnat masquerade' in text
