"""IP address management: pick subnets that overlap nothing, validate ipam config, allocate container addresses.

Pure functions over ``ipaddress`` objects; the caller supplies what is in use (host routes, other networks,
existing endpoints) and persists the result under the network lock, so allocation is deterministic: the lowest
free subnet of the pool, the lowest free address of the range.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Iterator

from runtime.errors import NetworkError
from runtime.records import record

Net = ipaddress.IPv4Network
Addr = ipaddress.IPv4Address


@record
class Allocation:
    """The addressing of a network: subnet, gateway, and the range containers are given addresses from."""

    subnet: Net
    gateway: Addr
    ip_range: Net | None


def default_pool() -> Iterator[Net]:
    """/24 subnets of 172.18.0.0/15 .. 172.31.0.0/16, then 192.168.0.0/16, in order."""
    for second in range(18, 32):
        for third in range(256):
            yield ipaddress.IPv4Network(f"172.{second}.{third}.0/24")
    for third in range(256):
        yield ipaddress.IPv4Network(f"192.168.{third}.0/24")


def _net(text: str, what: str, network: str) -> Net:
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise NetworkError(f"create network {network}: invalid {what} {text!r}: {exc}; use CIDR like 10.5.0.0/24") from exc


def _addr(text: str, what: str, network: str) -> Addr:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError as exc:
        raise NetworkError(f"create network {network}: invalid {what} {text!r}; use a dotted IPv4 address") from exc


def first_overlap(subnet: Net, used: Iterable[tuple[Net, str]]) -> str | None:
    """The description of the first used range that overlaps ``subnet``, if any."""
    for net, what in used:
        if subnet.overlaps(net):
            return f"{net} ({what})"
    return None


def choose(
    network: str,
    used: Iterable[tuple[Net, str]],
    subnet: str | None = None,
    ip_range: str | None = None,
    gateway: str | None = None,
) -> Allocation:
    """Validate a configured subnet/ip_range/gateway, or pick the first free pool subnet."""
    used = list(used)
    if subnet is None:
        if ip_range or gateway:
            raise NetworkError(f"create network {network}: ip_range/gateway given without subnet; add ipam.config.subnet")
        for cand in default_pool():
            if first_overlap(cand, used) is None:
                return Allocation(cand, next(cand.hosts()), None)
        raise NetworkError(f"create network {network}: default address pool exhausted; remove unused networks")
    net = _net(subnet, "subnet", network)
    if net.prefixlen > 30:
        raise NetworkError(f"create network {network}: subnet {net} is too small; use /30 or larger")
    clash = first_overlap(net, used)
    if clash:
        raise NetworkError(f"create network {network}: subnet {net} overlaps {clash}; choose another subnet")
    rng = _net(ip_range, "ip_range", network) if ip_range else None
    if rng is not None and not rng.subnet_of(net):
        raise NetworkError(f"create network {network}: ip_range {rng} is outside subnet {net}; narrow it")
    gw = _addr(gateway, "gateway", network) if gateway else next(net.hosts())
    if gw not in net or gw in (net.network_address, net.broadcast_address):
        raise NetworkError(f"create network {network}: gateway {gw} is outside subnet {net}; pick a host address in it")
    return Allocation(net, gw, rng)


def allocate_ip(
    network: str, alloc: Allocation, taken: Iterable[str], requested: str | None = None
) -> Addr:
    """The requested address (checked) or the lowest free one of the range."""
    busy = {ipaddress.IPv4Address(t) for t in taken} | {alloc.gateway}
    net = alloc.subnet
    if requested:
        ip = _addr(requested, "ipv4_address", network)
        if ip not in net or ip in (net.network_address, net.broadcast_address):
            raise NetworkError(f"connect to {network}: ipv4_address {ip} is not a host address of {net}; pick one inside it")
        if ip in busy:
            raise NetworkError(f"connect to {network}: ipv4_address {ip} is already in use; choose another address")
        return ip
    pool = alloc.ip_range or net
    for ip in pool:
        if ip in busy or ip in (net.network_address, net.broadcast_address):
            continue
        return ip
    raise NetworkError(f"connect to {network}: no free address left in {pool}; widen ip_range or subnet")


def mac_for(ip: Addr) -> str:
    """Docker-style locally administered MAC derived from the IPv4 address."""
    return "02:42:" + ":".join(f"{b:02x}" for b in ip.packed)


# -- IPv6 ----------------------------------------------------------------------------------------------------------
Net6 = ipaddress.IPv6Network
Addr6 = ipaddress.IPv6Address

POOL6 = ipaddress.IPv6Network("fd00:6479:6b00::/48")  # ULA; 6479:6b is "dyk"


@record
class Allocation6:
    """The IPv6 addressing of a network: a subnet (a /64 from the pool by default) and its gateway."""

    subnet: Net6
    gateway: Addr6


def default_pool6() -> Iterator[Net6]:
    """The /64 subnets of fd00:6479:6b00::/48, in order."""
    return POOL6.subnets(new_prefix=64)


def choose6(
    network: str, used: Iterable[tuple[Net6, str]], subnet: str | None = None, gateway: str | None = None
) -> Allocation6:
    """Validate a configured IPv6 subnet/gateway, or pick the first free /64 of the ULA pool."""
    used = list(used)
    if subnet is None:
        if gateway:
            raise NetworkError(f"create network {network}: IPv6 gateway given without an IPv6 subnet; add one to ipam.config")
        for cand in default_pool6():
            if first_overlap(cand, used) is None:  # type: ignore[arg-type]
                return Allocation6(cand, cand.network_address + 1)
        raise NetworkError(f"create network {network}: default IPv6 pool {POOL6} exhausted; remove unused networks")
    try:
        net = ipaddress.IPv6Network(subnet, strict=False)
    except ValueError as exc:
        raise NetworkError(f"create network {network}: invalid IPv6 subnet {subnet!r}: {exc}; use CIDR like fd12::/64") from exc
    if net.prefixlen > 124:
        raise NetworkError(f"create network {network}: IPv6 subnet {net} is too small; use /124 or larger")
    clash = first_overlap(net, used)  # type: ignore[arg-type]
    if clash:
        raise NetworkError(f"create network {network}: IPv6 subnet {net} overlaps {clash}; choose another subnet")
    try:
        gw = ipaddress.IPv6Address(gateway) if gateway else net.network_address + 1
    except ValueError as exc:
        raise NetworkError(f"create network {network}: invalid IPv6 gateway {gateway!r}; use an address like fd12::1") from exc
    if gw not in net or gw == net.network_address:
        raise NetworkError(f"create network {network}: IPv6 gateway {gw} is outside subnet {net}; pick an address in it")
    return Allocation6(net, gw)


def allocate_ip6(network: str, alloc: Allocation6, taken: Iterable[str], requested: str | None = None) -> Addr6:
    """The requested IPv6 address (checked) or the lowest free one after the subnet's first address."""
    busy = {ipaddress.IPv6Address(t) for t in taken} | {alloc.gateway}
    net = alloc.subnet
    if requested:
        try:
            ip = ipaddress.IPv6Address(requested)
        except ValueError as exc:
            raise NetworkError(f"connect to {network}: invalid ipv6_address {requested!r}") from exc
        if ip not in net or ip == net.network_address:
            raise NetworkError(f"connect to {network}: ipv6_address {ip} is not a host address of {net}; pick one inside it")
        if ip in busy:
            raise NetworkError(f"connect to {network}: ipv6_address {ip} is already in use; choose another address")
        return ip
    ip = net.network_address + 1
    while ip in net:
        if ip not in busy:
            return ip
        ip += 1
    raise NetworkError(f"connect to {network}: no free IPv6 address left in {net}; widen the IPv6 subnet")
