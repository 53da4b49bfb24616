"""Network namespaces standing in for containers (and LAN peers / outside hosts) in network tests."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

SERVER = r"""
import socket, sys
name, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam, any_ip = (socket.AF_INET6, "::") if sys.argv[4:] == ["6"] else (socket.AF_INET, "0.0.0.0")
if proto == "udp":
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((any_ip, port))
    print("ready", flush=True)
    while True:
        data, addr = s.recvfrom(2048)
        s.sendto(f"{name} {addr[0]} ".encode() + data, addr)
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((any_ip, port)); s.listen(16)
print("ready", flush=True)
while True:
    c, addr = s.accept()
    c.sendall(f"{name} {addr[0]}\n".encode()); c.close()
"""

CLIENT = r"""
import socket, sys
host, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if sys.argv[4:] == ["6"]:
    s = socket.socket(socket.AF_INET6); s.settimeout(3)
    s.connect(socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM)[0][4])
    print(s.recv(1024).decode().strip()); sys.exit(0)
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(b"ping", (host, port)); print(s.recvfrom(2048)[0].decode()); sys.exit(0)
s = socket.create_connection((host, port), timeout=3)
print(s.recv(1024).decode().strip())
"""

RESOLVE = r"""
import socket, sys
try:
    fam = socket.AF_INET6 if sys.argv[2:] == ["6"] else socket.AF_INET
    print(" ".join(sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], 80, fam, socket.SOCK_STREAM)})))
except socket.gaierror as e:
    print("ERR", e.errno); sys.exit(2)
"""


def run(argv: list[str], check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=timeout)


class Netns:
    """One named netns ``dy...`` with helpers to run commands inside; files in /etc/netns/<name>/ are bind-mounted
    over /etc by ``ip netns exec`` (that is how resolv.conf/hosts reach the processes)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.path = f"/run/netns/{name}"
        self.procs: list[subprocess.Popen] = []

    @property
    def etc(self) -> Path:
        return Path("/etc/netns") / self.name

    def write_etc(self, name: str, text: str) -> None:
        self.etc.mkdir(parents=True, exist_ok=True)
        (self.etc / name).write_text(text)

    def exec(self, argv: list[str], check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
        return run(["ip", "netns", "exec", self.name, *argv], check=check, timeout=timeout)

    def python(self, code: str, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return self.exec([sys.executable, "-c", code, *args], check=check)

    def serve(self, port: int, proto: str = "tcp", label: str | None = None, family: int = 4) -> subprocess.Popen:
        """Start a server that answers '<label> <peer ip>' on every connection/datagram (``family`` 6: on ``::``)."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", SERVER, label or self.name, str(port), proto,
             str(family)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    def connect(self, host: str, port: int, proto: str = "tcp", family: int = 4) -> str:
        """What a server at host:port says to us (names resolved through our resolv.conf); '' on failure.
        ``family`` 6: TCP over IPv6 only (names resolved by AAAA)."""
        res = self.python(CLIENT, host, str(port), proto, str(family))
        return res.stdout.strip() if res.returncode == 0 else ""

    def resolve(self, name: str, family: int = 4) -> set[str]:
        res = self.python(RESOLVE, name, str(family))
        return set(res.stdout.split()) if res.returncode == 0 else set()

    def close(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(self.etc, ignore_errors=True)
        run(["ip", "netns", "del", self.name], check=False)


@contextlib.contextmanager
def netns(tag: str = "c") -> Iterator[Netns]:
    ns = Netns(f"dy{tag}{secrets.token_hex(4)}")
    run(["ip", "netns", "add", ns.name])
    try:
        run(["ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up"])
        yield ns
    finally:
        ns.close()


@contextlib.contextmanager
def wired_peer(host_ip: str, peer_ip: str, prefixlen: int = 30, route_via_host: bool = True) -> Iterator[Netns]:
    """A netns linked to the host by a veth (``dyq...``), e.g. a LAN peer or the 'outside' host."""
    with netns("p") as ns:
        host_if = f"dyq{secrets.token_hex(4)}"
        run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns.name])
        try:
            run(["ip", "addr", "add", f"{host_ip}/{prefixlen}", "dev", host_if])
            run(["ip", "link", "set", host_if, "up"])
            ns.exec(["ip", "addr", "add", f"{peer_ip}/{prefixlen}", "dev", "eth0"])
            ns.exec(["ip", "link", "set", "eth0", "up"])
            if route_via_host:
                ns.exec(["ip", "route", "add", "default", "via", host_ip])
            yield ns
        finally:
            run(["ip", "link", "del", host_if], check=False)


def dy_links() -> list[str]:
    out = run(["ip", "-o", "link", "show"]).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]
    return [n for n in names if n.startswith("dy")]


def dy_tables() -> list[str]:
    out = run(["nft", "list", "tables"]).stdout
    return [line.split()[-1] for line in out.splitlines() if line.split()[-1].startswith("dy")]


def dy_netns() -> list[str]:
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith("dy")]


@contextlib.contextmanager
def wired_peer6(host_ip6: str, peer_ip6: str, prefixlen: int = 64, route_via_host: bool = True) -> Iterator[Netns]:
    """Like ``wired_peer`` but IPv6 only (addresses without DAD, so they are usable at once)."""
    with netns("p") as ns:
        host_if = f"dyq{secrets.token_hex(4)}"
        run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns.name])
        try:
            run(["ip", "-6", "addr", "add", f"{host_ip6}/{prefixlen}", "dev", host_if, "nodad"])
            run(["ip", "link", "set", host_if, "up"])
            ns.exec(["ip", "-6", "addr", "add", f"{peer_ip6}/{prefixlen}", "dev", "eth0", "nodad"])
            ns.exec(["ip", "link", "set", "eth0", "up"])
            if route_via_host:
                ns.exec(["ip", "-6", "route", "add", "default", "via", host_ip6])
            yield ns
        finally:
            run(["ip", "link", "del", host_if], check=False)


def own_links_and_tables(prefix: str) -> tuple[list[str], list[str]]:
    """Bridges named ``dy-<prefix>...``, links enslaved to them and nft tables ``dy-<prefix>...``: what one test's
    networks own, unaffected by other work on the host creating ``dy`` links at the same time."""
    import json

    mine = f"dy-{prefix}"
    links = json.loads(run(["ip", "-j", "link", "show"]).stdout or "[]")
    names = sorted(link["ifname"] for link in links
                   if link["ifname"].startswith(mine) or str(link.get("master", "")).startswith(mine))
    return names, sorted(t for t in dy_tables() if t.startswith(mine))
