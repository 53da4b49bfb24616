"""Published ports by kernel NAT (nftables DNAT in the network's table, see nat.py).

Why kernel NAT and not a userland proxy (bench/bench_ports.py, figures in bench/results/ports.json): DNAT keeps
the peer's source address (the container sees the LAN client, not the host), costs no resident process per port,
and forwards at kernel speed, while a proxy copies every byte through a process and hides the client. Measured
here (2 vCPU, kernel 6.18, 512 MB pushes, median of rounds), direct / DNAT on 127.0.0.1 / threaded Python proxy:
quiet host 1335 / 1296 / 794 MB/s (NAT 0.97x, proxy 0.60x); host busy with parallel jobs 555 / 482 / 405 MB/s
(NAT 0.87x, proxy 0.73x). Loopback works through ``route_localnet``
on the bridge plus a masquerade of 127.0.0.0/8 sources (nat.py).

The kernel does not reserve the host port, so before a rule is written the port is bound once on the host to
prove it is free, and it is checked against every other dockyard rule in state.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Iterable

from runtime.errors import NetworkError
from runtime.network.spec import PortInfo, PortSpec

PROTOCOLS = ("tcp", "udp")


def _check(spec: PortSpec, owner: str) -> None:
    if spec.protocol not in PROTOCOLS:
        raise NetworkError(f"publish port for {owner}: protocol {spec.protocol!r} unsupported; use tcp or udp")
    for what, port in (("container", spec.container_port), ("host", spec.host_port)):
        if not 0 <= port <= 65535 or (what == "container" and port == 0):
            raise NetworkError(f"publish port for {owner}: {what} port {port} out of range 1-65535")
    try:
        ipaddress.IPv4Address(spec.host_ip)
    except ValueError as exc:
        raise NetworkError(f"publish port for {owner}: host_ip {spec.host_ip!r} is not an IPv4 address") from exc


def _clashes(host_ip: str, port: int, proto: str, taken: Iterable[tuple[str, int, str]]) -> bool:
    for t_ip, t_port, t_proto in taken:
        if t_port == port and t_proto == proto and (t_ip == host_ip or "0.0.0.0" in (t_ip, host_ip)):
            return True
    return False


def _probe_bind(host_ip: str, port: int, proto: str) -> int:
    """Bind once to prove the port is free on the host; returns the bound port (useful for port 0)."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host_ip, port))
        return s.getsockname()[1]


def resolve(specs: Iterable[PortSpec], container_ip: str, owner: str, taken: Iterable[tuple[str, int, str]]) -> list[PortInfo]:
    """Check every requested port and pick host ports for those with none; raises before anything is written."""
    taken = list(taken)
    out: list[PortInfo] = []
    for spec in specs:
        _check(spec, owner)
        port = spec.host_port
        for _ in range(64):
            if port and _clashes(spec.host_ip, port, spec.protocol, taken):
                raise NetworkError(
                    f"publish {spec.host_ip}:{port}/{spec.protocol} for {owner}: port already taken by another "
                    "dockyard container; choose another host port"
                )
            try:
                got = _probe_bind(spec.host_ip, port, spec.protocol)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE and spec.host_port:
                    raise NetworkError(
                        f"publish {spec.host_ip}:{port}/{spec.protocol} for {owner}: port already taken on the host; "
                        "stop what listens there or choose another host port"
                    ) from exc
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise NetworkError(f"publish port for {owner}: host_ip {spec.host_ip} is not an address of this host") from exc
                raise NetworkError(f"publish {spec.host_ip}:{port}/{spec.protocol} for {owner}: {exc}") from exc
            if spec.host_port or not _clashes(spec.host_ip, got, spec.protocol, taken):
                port = got
                break
            port = 0
        info = PortInfo(spec.host_ip, port, spec.protocol, container_ip, spec.container_port)
        taken.append((info.host_ip, info.host_port, info.protocol))
        out.append(info)
    return out


def dnat_rules(ports: Iterable[PortInfo]) -> list[tuple[str, str]]:
    """(hook, nft rule) pairs implementing ``ports``: prerouting for peers, output for the host itself."""
    rules: list[tuple[str, str]] = []
    for p in ports:
        match = "fib daddr type local" if p.host_ip == "0.0.0.0" else f"ip daddr {p.host_ip}"
        rule = f"{match} {p.protocol} dport {p.host_port} dnat to {p.container_ip}:{p.container_port}"
        rules.append(("prerouting", rule))
        rules.append(("output", rule))
    return rules


def dnat6_rules(ports: Iterable[PortInfo], container_ip6: str) -> list[tuple[str, str]]:
    """IPv6 twins of ``dnat_rules`` for ports published on all addresses (``0.0.0.0``): traffic to any of the
    host's IPv6 addresses goes to the container's IPv6 address. Ports bound to one IPv4 host_ip get none."""
    rules: list[tuple[str, str]] = []
    for p in ports:
        if p.host_ip == "0.0.0.0":
            rule = f"fib daddr type local {p.protocol} dport {p.host_port} dnat to [{container_ip6}]:{p.container_port}"
            rules += [("prerouting", rule), ("output", rule)]
    return rules


def to_record(p: PortInfo) -> dict:
    return {"host_ip": p.host_ip, "host_port": p.host_port, "protocol": p.protocol,
            "container_ip": p.container_ip, "container_port": p.container_port}


def from_record(d: dict) -> PortInfo:
    return PortInfo(d["host_ip"], int(d["host_port"]), d["protocol"], d["container_ip"], int(d["container_port"]))
