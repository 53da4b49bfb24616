"""IPAM: the pool avoids everything in use, configured ipam is validated, addresses are the lowest free."""

from __future__ import annotations

import ipaddress

import pytest

from runtime.errors import NetworkError
from runtime.network import ipam

N = ipaddress.IPv4Network


def test_first_pool_subnet_is_taken_when_nothing_is_used():
    alloc = ipam.choose("p_default", [])
    assert (str(alloc.subnet), str(alloc.gateway), alloc.ip_range) == ("172.18.0.0/24", "172.18.0.1", None)


def test_pool_skips_host_routes_and_other_networks():
    used = [(N("172.18.0.0/16"), "host route"), (N("172.19.0.0/24"), "network other")]
    assert str(ipam.choose("p_default", used).subnet) == "172.19.1.0/24"


def test_pool_exhaustion_is_an_error():
    used = [(N("172.16.0.0/12"), "route"), (N("192.168.0.0/16"), "route")]
    with pytest.raises(NetworkError, match="pool exhausted"):
        ipam.choose("p_default", used)


def test_configured_subnet_overlapping_another_network_is_refused():
    with pytest.raises(NetworkError, match=r"overlaps 10\.5\.0\.0/16 \(network other\)"):
        ipam.choose("p_net", [(N("10.5.0.0/16"), "network other")], subnet="10.5.3.0/24")


def test_gateway_outside_subnet_is_refused():
    with pytest.raises(NetworkError, match="gateway 10.6.0.1 is outside subnet 10.5.0.0/24"):
        ipam.choose("p_net", [], subnet="10.5.0.0/24", gateway="10.6.0.1")


def test_gateway_on_the_network_address_is_refused():
    with pytest.raises(NetworkError, match="outside subnet"):
        ipam.choose("p_net", [], subnet="10.5.0.0/24", gateway="10.5.0.0")


def test_ip_range_must_be_inside_subnet():
    with pytest.raises(NetworkError, match="ip_range 10.6.0.0/28 is outside subnet"):
        ipam.choose("p_net", [], subnet="10.5.0.0/24", ip_range="10.6.0.0/28")


def test_invalid_subnet_text_names_the_field():
    with pytest.raises(NetworkError, match="invalid subnet 'ten'"):
        ipam.choose("p_net", [], subnet="ten")


def test_gateway_without_subnet_is_refused():
    with pytest.raises(NetworkError, match="without subnet"):
        ipam.choose("p_net", [], gateway="10.0.0.1")


def test_configured_values_are_kept():
    alloc = ipam.choose("p_net", [], subnet="10.5.0.0/24", ip_range="10.5.0.128/25", gateway="10.5.0.254")
    assert (str(alloc.subnet), str(alloc.ip_range), str(alloc.gateway)) == ("10.5.0.0/24", "10.5.0.128/25", "10.5.0.254")


def _alloc(rng: str | None = None) -> ipam.Allocation:
    return ipam.Allocation(N("10.5.0.0/24"), ipaddress.IPv4Address("10.5.0.1"), N(rng) if rng else None)


def test_addresses_are_the_lowest_free_skipping_gateway():
    assert str(ipam.allocate_ip("n", _alloc(), [])) == "10.5.0.2"
    assert str(ipam.allocate_ip("n", _alloc(), ["10.5.0.2", "10.5.0.4"])) == "10.5.0.3"


def test_addresses_come_from_ip_range():
    assert str(ipam.allocate_ip("n", _alloc("10.5.0.128/25"), [])) == "10.5.0.128"


def test_requested_address_in_use_is_refused():
    with pytest.raises(NetworkError, match="10.5.0.7 is already in use"):
        ipam.allocate_ip("n", _alloc(), ["10.5.0.7"], requested="10.5.0.7")


def test_requested_gateway_address_is_refused():
    with pytest.raises(NetworkError, match="already in use"):
        ipam.allocate_ip("n", _alloc(), [], requested="10.5.0.1")


def test_requested_address_outside_subnet_is_refused():
    with pytest.raises(NetworkError, match="not a host address of 10.5.0.0/24"):
        ipam.allocate_ip("n", _alloc(), [], requested="10.9.0.7")


def test_full_range_is_an_error():
    taken = [f"10.5.0.{i}" for i in range(2, 255)]
    with pytest.raises(NetworkError, match="no free address"):
        ipam.allocate_ip("n", _alloc(), taken)


def test_mac_is_derived_from_the_address():
    assert ipam.mac_for(ipaddress.IPv4Address("172.18.0.2")) == "02:42:ac:12:00:02"
