"""Published-port checks and the nft rule text a network's table is built from."""

from __future__ import annotations

import socket

import pytest

from runtime.errors import NetworkError
from runtime.network import nat, ports
from runtime.network.spec import PortInfo, PortSpec


def test_random_host_port_is_picked_when_none_is_given():
    (info,) = ports.resolve([PortSpec(80, 0, "tcp", "127.0.0.1")], "10.1.0.2", "web", [])
    assert info.host_port > 0 and info.container_ip == "10.1.0.2" and info.address() == f"127.0.0.1:{info.host_port}"


def test_port_already_taken_on_the_host_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(NetworkError, match=f"127.0.0.1:{port}/tcp .*already taken on the host"):
            ports.resolve([PortSpec(80, port, "tcp", "127.0.0.1")], "10.1.0.2", "web", [])


def test_port_taken_by_another_dockyard_container_is_refused():
    with pytest.raises(NetworkError, match="taken by another dockyard container"):
        ports.resolve([PortSpec(80, 18080, "tcp", "127.0.0.1")], "10.1.0.2", "web", [("0.0.0.0", 18080, "tcp")])


def test_same_port_on_the_other_protocol_is_fine():
    (info,) = ports.resolve([PortSpec(53, 18053, "udp", "127.0.0.1")], "10.1.0.2", "dns", [("0.0.0.0", 18053, "tcp")])
    assert (info.host_port, info.protocol) == (18053, "udp")


@pytest.mark.parametrize("spec, message", [
    (PortSpec(80, 0, "sctp"), "protocol 'sctp'"),
    (PortSpec(0, 0), "container port 0"),
    (PortSpec(80, 70000), "host port 70000"),
    (PortSpec(80, 0, "tcp", "localhost"), "not an IPv4 address"),
])
def test_bad_port_specs_are_refused(spec, message):
    with pytest.raises(NetworkError, match=message):
        ports.resolve([spec], "10.1.0.2", "web", [])


def test_dnat_rules_cover_peers_and_the_host_itself():
    rules = ports.dnat_rules([PortInfo("0.0.0.0", 8080, "tcp", "10.1.0.2", 80), PortInfo("127.0.0.1", 5353, "udp", "10.1.0.3", 53)])
    assert rules == [
        ("prerouting", "fib daddr type local tcp dport 8080 dnat to 10.1.0.2:80"),
        ("output", "fib daddr type local tcp dport 8080 dnat to 10.1.0.2:80"),
        ("prerouting", "ip daddr 127.0.0.1 udp dport 5353 dnat to 10.1.0.3:53"),
        ("output", "ip daddr 127.0.0.1 udp dport 5353 dnat to 10.1.0.3:53"),
    ]


def test_routed_network_masquerades_traffic_leaving_it():
    text = nat.render("dy-x", "dy-x", "10.1.0.0/24", False, [])
    assert 'ip saddr 10.1.0.0/24 oifname != "dy-x" masquerade' in text
    assert 'iifname "dy-x" oifname != "dy-x" drop' not in text


def test_internal_network_may_not_leave_its_bridge():
    text = nat.render("dy-x", "dy-x", "10.1.0.0/24", True, [])
    assert 'iifname "dy-x" oifname != "dy-x" drop' in text
    assert 'oifname != "dy-x" masquerade' not in text


def test_every_network_is_isolated_from_other_dockyard_bridges():
    text = nat.render("dy-x", "dy-x", "10.1.0.0/24", False, [])
    assert 'iifname "dy-x" oifname "dy-*" oifname != "dy-x" drop' in text
    assert text.startswith("table ip dy-x {}\ndelete table ip dy-x\n")
