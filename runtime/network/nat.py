"""Kernel packet rules per network, through the ``nft`` binary: one ``ip`` table named like the bridge.

The table holds the whole truth for its network and is rebuilt atomically from state on every change:
- forward: isolation from every other dockyard bridge; ``internal`` networks may not leave their bridge at all;
- postrouting: masquerade traffic leaving a non-internal network; masquerade loopback/hairpin traffic that was
  DNATed onto the bridge (so replies come back through the host);
- prerouting/output: DNAT for published ports (see ports.py for the rule text and why kernel NAT).
An IPv6 network gets a parallel ``ip6`` table of the same name (isolation, internal, NAT66 masquerade for
outbound, DNAT of ports published on all addresses from the host's IPv6 addresses, but not from ``::1``). Removing the network deletes both tables, so nothing survives it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from runtime.errors import NetworkError

NFT = "nft"
SYSCTL = Path("/proc/sys/net")


def _nft(script: str, step: str) -> None:
    try:
        import subprocess  # on use: most commands never change packet rules

        proc = subprocess.run([NFT, "-f", "-"], input=script, text=True, capture_output=True, timeout=30)
    except FileNotFoundError as exc:
        raise NetworkError(f"{step}: the nft binary is missing; install Debian package nftables") from exc
    if proc.returncode != 0:
        raise NetworkError(f"{step}: nft failed: {proc.stderr.strip()}")


def render(table: str, bridge: str, subnet: str, internal: bool, dnat_rules: Iterable[tuple[str, str]]) -> str:
    """The nft script that (re)creates ``table``. ``dnat_rules`` are (hook, rule) with hook prerouting|output."""
    fwd = [
        f'iifname "dy-*" iifname != "{bridge}" oifname "{bridge}" drop',
        f'iifname "{bridge}" oifname "dy-*" oifname != "{bridge}" drop',
    ]
    post = [
        f'oifname "{bridge}" ip saddr 127.0.0.0/8 masquerade',
        f'oifname "{bridge}" ip saddr {subnet} ct status dnat masquerade',
    ]
    if internal:
        fwd += [f'iifname "{bridge}" oifname != "{bridge}" drop', f'oifname "{bridge}" iifname != "{bridge}" drop']
    else:
        post.append(f'ip saddr {subnet} oifname != "{bridge}" masquerade')
    rules = list(dnat_rules)
    pre = [r for hook, r in rules if hook == "prerouting"]
    out = [r for hook, r in rules if hook == "output"]

    def chain(name: str, head: str, body: list[str]) -> str:
        lines = "\n".join(f"    {b}" for b in body)
        return f"  chain {name} {{\n    {head}\n{lines}\n  }}\n"

    return (
        f"table ip {table} {{}}\ndelete table ip {table}\ntable ip {table} {{\n"
        + chain("forward", "type filter hook forward priority 0; policy accept;", fwd)
        + chain("postrouting", "type nat hook postrouting priority 100; policy accept;", post)
        + chain("prerouting", "type nat hook prerouting priority -100; policy accept;", pre)
        + chain("output", "type nat hook output priority -100; policy accept;", out)
        + "}\n"
    )


def render6(
    table: str, bridge: str, subnet6: str, internal: bool, dnat_rules: Iterable[tuple[str, str]] = ()
) -> str:
    """The nft script that (re)creates the ``ip6`` twin of ``table``: isolation, internal, NAT66 outbound, and
    DNAT of published ports arriving on the host's IPv6 addresses (not ``::1``: IPv6 never routes loopback)."""
    fwd = [
        f'iifname "dy-*" iifname != "{bridge}" oifname "{bridge}" drop',
        f'iifname "{bridge}" oifname "dy-*" oifname != "{bridge}" drop',
    ]
    post = [f'oifname "{bridge}" ip6 saddr {subnet6} ct status dnat masquerade']
    if internal:
        fwd += [f'iifname "{bridge}" oifname != "{bridge}" drop', f'oifname "{bridge}" iifname != "{bridge}" drop']
    else:
        post.append(f'ip6 saddr {subnet6} oifname != "{bridge}" masquerade')
    rules = list(dnat_rules)
    chains = [("forward", "type filter hook forward priority 0;", fwd),
              ("postrouting", "type nat hook postrouting priority 100;", post),
              ("prerouting", "type nat hook prerouting priority -100;", [r for h, r in rules if h == "prerouting"]),
              ("output", "type nat hook output priority -100;", [r for h, r in rules if h == "output"])]
    text = f"table ip6 {table} {{}}\ndelete table ip6 {table}\ntable ip6 {table} {{\n"
    for name, head, body in chains:
        lines = "".join(f"    {b}\n" for b in body)
        text += f"  chain {name} {{\n    {head} policy accept;\n{lines}  }}\n"
    return text + "}\n"


def apply(
    table: str, bridge: str, subnet: str, internal: bool, dnat_rules: Iterable[tuple[str, str]],
    subnet6: str | None = None,
    dnat6_rules: Iterable[tuple[str, str]] = (),
) -> None:
    """Atomically replace the network's table (and its ``ip6`` twin when ``subnet6`` is given) in one transaction."""
    script = render(table, bridge, subnet, internal, dnat_rules)
    if subnet6:
        script += render6(table, bridge, subnet6, internal, dnat6_rules)
    _nft(script, f"apply packet rules for bridge {bridge}")


def _remove_script(table: str) -> str:
    return f"table ip {table} {{}}\ndelete table ip {table}\ntable ip6 {table} {{}}\ndelete table ip6 {table}\n"


def remove(table: str) -> None:
    """Delete the network's ``ip`` and ``ip6`` tables (idempotent)."""
    _nft(_remove_script(table), f"remove packet rules {table}")


def remove_while(table: str, work: Callable[[], None]) -> None:
    """``remove(table)`` with ``work`` (e.g. deleting the bridge) done while nft runs; an error of ``work`` is
    raised after nft finished, else nft's."""
    step = f"remove packet rules {table}"
    try:
        import subprocess

        proc = subprocess.Popen([NFT, "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as exc:
        raise NetworkError(f"{step}: the nft binary is missing; install Debian package nftables") from exc
    try:
        try:
            proc.stdin.write(_remove_script(table))  # type: ignore[union-attr]
        finally:
            proc.stdin.close()  # type: ignore[union-attr]
        work()
    finally:
        err = proc.stderr.read()  # type: ignore[union-attr]  # a few lines at most: nft is done writing
        proc.stderr.close()  # type: ignore[union-attr]
        code = proc.wait(timeout=30)
    if code != 0:
        raise NetworkError(f"{step}: nft failed: {err.strip()}")


def tables(prefix: str = "dy") -> list[str]:
    """Names of nft tables starting with ``prefix`` (for cleanup checks)."""
    import subprocess

    proc = subprocess.run([NFT, "list", "tables"], text=True, capture_output=True)
    names = [line.split()[-1] for line in proc.stdout.splitlines() if line.startswith("table ")]
    return [n for n in names if n.startswith(prefix)]


def set_sysctl(key: str, value: str) -> str:
    """Write ``/proc/sys/net/<key>``; returns the previous value."""
    path = SYSCTL / key
    try:
        old = path.read_text().strip()
        if old != value:
            path.write_text(value)
    except OSError as exc:
        raise NetworkError(f"set sysctl net/{key}={value}: {exc.strerror}; run as root") from exc
    return old


def enable_forwarding() -> None:
    """Routed networks need IPv4 forwarding (as Docker, dockyard turns it on and leaves it on)."""
    set_sysctl("ipv4/ip_forward", "1")


def ipv6_disabled() -> str | None:
    """Why IPv6 cannot be used on this host (None if it can)."""
    base = SYSCTL / "ipv6"
    if not base.is_dir():
        return "the kernel has no IPv6 (booted with ipv6.disable=1 or built without it)"
    for scope in ("all", "default"):
        try:
            if (base / "conf" / scope / "disable_ipv6").read_text().strip() == "1":
                return f"net.ipv6.conf.{scope}.disable_ipv6 is 1; set it to 0 (sysctl -w net.ipv6.conf.{scope}.disable_ipv6=0)"
        except OSError:
            continue
    return None


def enable_forwarding6() -> None:
    """Routed IPv6 networks need IPv6 forwarding (left on, as Docker does)."""
    set_sysctl("ipv6/conf/all/forwarding", "1")


def allow_localnet(bridge: str) -> None:
    """Let 127.0.0.1 sourced (DNATed) packets be routed onto the bridge, for loopback-published ports."""
    set_sysctl(f"ipv4/conf/{bridge}/route_localnet", "1")
