"""The DNS view of network state: which names resolve to which addresses, for which asker. Pure, stdlib only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple


@dataclass(frozen=True)
class NetView:
    """One network as the responder sees it."""

    name: str
    gateway: str
    subnet: str
    internal: bool
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ip_owner: Mapping[str, str] = field(default_factory=dict)
    names6: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    gateway6: str | None = None


@dataclass(frozen=True)
class Table:
    """Every network's names, the networks of each container, reverse names, per-container upstreams and
    per-container link aliases (alias -> the name it answers as)."""

    networks: Mapping[str, NetView]
    by_gateway: Mapping[str, str]
    container_networks: Mapping[str, tuple[str, ...]]
    ptr: Mapping[str, str]
    upstreams: Mapping[str, tuple[str, ...]]
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def gateways(self) -> list[str]:
        return sorted(self.by_gateway)


def norm(name: str) -> str:
    return name.lower().rstrip(".")


def endpoint_names(cid: str, network: str, names: list[str]) -> list[str]:
    """Every name an endpoint answers to on ``network``: its names, the short id, and ``<name>.<network>``."""
    base = [norm(n) for n in names if n] + [cid[:12].lower()]
    return list(dict.fromkeys(base + [f"{n}.{norm(network)}" for n in base]))


def build(records: Mapping[str, Mapping[str, Any]]) -> Table:
    """Build the lookup table from network records (``networks/<name>.json`` contents)."""
    nets: dict[str, NetView] = {}
    by_gw: dict[str, str] = {}
    cnets: dict[str, list[str]] = {}
    ptr: dict[str, str] = {}
    ups: dict[str, tuple[str, ...]] = {}
    links: dict[str, dict[str, str]] = {}
    for rec in records.values():
        name = rec["name"]
        names: dict[str, list[str]] = {}
        names6: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        for cid, ep in sorted(rec.get("endpoints", {}).items()):
            ip, ip6 = ep["ip"], ep.get("ip6")
            owner[ip] = cid
            cnets.setdefault(cid, []).append(name)
            for n in endpoint_names(cid, name, ep.get("names", [])):
                names.setdefault(n, []).append(ip)
                if ip6:
                    names6.setdefault(n, []).append(ip6)
            primary = norm(next((n for n in ep.get("names", []) if n), cid[:12]))
            ptr.setdefault(ip, primary)
            if ip6:
                owner[ip6] = cid
                ptr.setdefault(ip6, primary)
            if ep.get("dns"):
                ups[cid] = tuple(ep["dns"])
            for alias, target in (ep.get("links") or {}).items():
                links.setdefault(cid, {})[norm(alias)] = norm(target)
        gw6 = rec.get("gateway6") if rec.get("enable_ipv6") else None
        nets[name] = NetView(name, rec["gateway"], rec["subnet"], bool(rec.get("internal")),
                             {k: tuple(v) for k, v in names.items()}, owner,
                             {k: tuple(v) for k, v in names6.items()}, gw6)
        by_gw[rec["gateway"]] = name
        if gw6:
            by_gw[gw6] = name
    return Table(nets, by_gw, {k: tuple(v) for k, v in cnets.items()}, ptr, ups, links)


@dataclass(frozen=True)
class Asker:
    """Who is asking: the networks whose names it may see, whether it may forward, its own upstreams, and its
    link aliases (alias -> name; only it resolves them)."""

    networks: tuple[str, ...]
    forward: bool
    upstreams: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)


def asker(table: Table, local_ip: str, src_ip: str) -> Asker:
    """Identify the asker by the gateway it asked and its source address."""
    net_name = table.by_gateway.get(local_ip)
    if net_name is None:
        return Asker((), False)
    net = table.networks[net_name]
    cid = net.ip_owner.get(src_ip)
    if cid is None:
        return Asker((net_name,), not net.internal)
    others = tuple(n for n in table.container_networks.get(cid, ()) if n != net_name)
    return Asker((net_name,) + others, not net.internal, table.upstreams.get(cid, ()), table.links.get(cid, {}))


def lookup(table: Table, who: Asker, qname: str, v6: bool = False) -> tuple[str, ...] | None:
    """Addresses for ``qname`` on the asker's networks (asked network first); None if no network knows it.

    With ``v6`` the IPv6 addresses (AAAA); a known name with none (IPv4-only networks) gives ``()``. An alias of
    the asker's links answers as the name it links to (and before any container's own name, as in Docker)."""
    key = norm(qname)
    key = who.links.get(key, key)
    found: list[str] = []
    known = False
    for n in who.networks:
        view = table.networks.get(n)
        if view is not None:
            known = known or key in view.names
            source = view.names6 if v6 else view.names
            found.extend(ip for ip in source.get(key, ()) if ip not in found)
    return tuple(found) if known else None


def is_local_name(table: Table, who: Asker, qname: str) -> bool:
    """Names dockyard answers for itself (NXDOMAIN when unknown): single labels and ``*.<network>``."""
    key = norm(qname)
    if "." not in key:
        return True
    return any(key.endswith("." + norm(n)) for n in table.networks)


TYPE_A, TYPE_PTR, TYPE_AAAA, TYPE_ANY = 1, 12, 28, 255
NXDOMAIN = 3


class Decision(NamedTuple):
    """What dockyard answers for itself: an rcode plus addresses (rotated per reply) or a PTR target."""

    rcode: int
    ips: tuple[str, ...] = ()
    ptr: str | None = None


def decide(table: Table, who: Asker, qname: str, qtype: int) -> Decision | None:
    """What dockyard answers for ``qname``/``qtype`` asked by ``who``; None to forward upstream.

    PTR of a container address gives its name; A/AAAA/ANY of a known name its addresses (none is NOERROR), other
    types of a known name an empty NOERROR; unknown local names are NXDOMAIN; the rest is forwarded, except from
    internal networks (NXDOMAIN)."""
    if qtype == TYPE_PTR:
        target = reverse(table, qname)
        if target is not None:
            return Decision(0, ptr=target)
    else:
        ips = lookup(table, who, qname, v6=qtype == TYPE_AAAA)
        if ips is not None:
            if qtype not in (TYPE_A, TYPE_AAAA, TYPE_ANY) or not ips:
                return Decision(0)
            return Decision(0, ips)
        if is_local_name(table, who, qname):
            return Decision(NXDOMAIN)
    if not who.forward:
        return Decision(NXDOMAIN)
    return None


def reverse(table: Table, qname: str) -> str | None:
    """Container name for an ``in-addr.arpa`` or ``ip6.arpa`` name of a known container address."""
    key = norm(qname)
    if key.endswith(".ip6.arpa"):
        return _reverse6(table, key[: -len(".ip6.arpa")])
    if not key.endswith(".in-addr.arpa"):
        return None
    parts = key[: -len(".in-addr.arpa")].split(".")
    if len(parts) != 4:
        return None
    try:
        ip = str(ipaddress.IPv4Address(".".join(reversed(parts))))
    except ValueError:
        return None
    return table.ptr.get(ip)


def _reverse6(table: Table, nibbles: str) -> str | None:
    parts = nibbles.split(".")
    if len(parts) != 32 or any(len(p) != 1 for p in parts):
        return None
    hexed = "".join(reversed(parts))
    try:
        ip = str(ipaddress.IPv6Address(int(hexed, 16)))
    except ValueError:
        return None
    return table.ptr.get(ip)


def parse_upstreams(text: str | None, resolv_conf: str = "/etc/resolv.conf") -> tuple[tuple[str, int], ...]:
    """``DOCKYARD_DNS_UPSTREAM`` (``ip[:port],...`` or ``none``), else the nameservers of resolv.conf."""
    if text is not None:
        text = text.strip()
        if text.lower() in ("none", ""):
            return ()
        return tuple(hostport(p.strip()) for p in text.split(",") if p.strip())
    out = []
    try:
        with open(resolv_conf) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver" and ":" not in parts[1]:
                    out.append((parts[1], 53))
    except OSError:
        pass
    return tuple(out)


def hostport(text: str) -> tuple[str, int]:
    host, _, port = text.partition(":")
    return host, int(port) if port else 53
