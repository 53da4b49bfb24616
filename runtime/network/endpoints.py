"""Endpoint records of a network: the address and names reserved for a container, decided under the network
lock on the record read there (see ``batch``); the links themselves are made by the service outside the lock."""

from __future__ import annotations

import ipaddress

from runtime.errors import NetworkError
from runtime.network import bridge, ipam


def reserve(rec: dict | None, want: dict) -> tuple[tuple[dict, dict | None], bool]:
    """Under the lock: an address (and endpoint record) for ``want``; ``(rec, None)`` if it is attached."""
    cid, network = want["cid"], want["network"]
    if rec is None:
        raise NetworkError(f"connect {cid[:12]} to {network}: no such network; create it first")
    stale = rec["endpoints"].pop(cid, None)
    requested = want["ip"]
    if stale is not None:
        if bridge.link_exists(stale["host_veth"]):
            rec["endpoints"][cid] = stale
            return (rec, None), False
        # reserved by a process killed before it built the links: rebuild them on the same address
        requested = requested or stale["ip"]
    try:
        alloc = ipam.Allocation(ipaddress.IPv4Network(rec["subnet"]), ipaddress.IPv4Address(rec["gateway"]),
                                ipaddress.IPv4Network(rec["ip_range"]) if rec.get("ip_range") else None)
        ip = ipam.allocate_ip(network, alloc, [ep["ip"] for ep in rec["endpoints"].values()], requested)
        ip6 = allocate6(rec, network, want["ip6"])
    except BaseException:
        if stale is not None:
            rec["endpoints"][cid] = stale
        raise
    ep = new_endpoint(rec, cid, want["ifname"], ip, want["mac"] or ipam.mac_for(ip), ip6)
    ep.update(names=want["names"], dns=want["dns"], ports=[], netns=want["netns"])
    if want.get("links"):
        ep["links"] = want["links"]
    rec["endpoints"][cid] = ep
    return (rec, ep), True


def allocate6(rec: dict, network: str, requested: str | None) -> ipaddress.IPv6Address | None:
    if not rec.get("enable_ipv6"):
        if requested:
            raise NetworkError(f"connect to {network}: ipv6_address {requested} given but the network has no IPv6; "
                               "set enable_ipv6: true on it")
        return None
    alloc6 = ipam.Allocation6(ipaddress.IPv6Network(rec["subnet6"]), ipaddress.IPv6Address(rec["gateway6"]))
    taken6 = [ep["ip6"] for ep in rec["endpoints"].values() if ep.get("ip6")]
    return ipam.allocate_ip6(network, alloc6, taken6, requested)


def new_endpoint(rec: dict, cid: str, ifname: str, ip: ipaddress.IPv4Address, mac: str,
                 ip6: ipaddress.IPv6Address | None) -> dict:
    import hashlib  # loaded on use (with OpenSSL): only a new endpoint names its veth

    h = hashlib.sha256(f"{rec['id']}/{cid}".encode()).hexdigest()[:12]
    ep = {"ip": str(ip), "mac": mac, "interface": ifname, "host_veth": f"dy{h}"}
    if ip6 is not None:
        ep["ip6"] = str(ip6)
    return ep
