"""NetworkService: the networking facade (networks, attachments, published ports, resolv.conf/hosts content)."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

from runtime.errors import NetworkError
from runtime.network import batch, bridge, dnsctl, endpoints, ipam, nat, ports, store
from runtime.network.spec import (
    EndpointInfo,
    NetworkInfo,
    NetworkSpec,
    PortInfo,
    PortSpec,
)

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
MAX_NAME = 128
IFNAMSIZ = 15
RELEASE_WAIT = 2.0  # seconds the kernel gets to remove a released netns's veths before they are deleted


def _info(rec: dict) -> NetworkInfo:
    eps = tuple(_endpoint(rec, cid) for cid in sorted(rec.get("endpoints", {})))
    return NetworkInfo(
        name=rec["name"], id=rec["id"], bridge=rec["bridge"], subnet=rec["subnet"], gateway=rec["gateway"],
        ip_range=rec.get("ip_range"), internal=rec["internal"], attachable=rec.get("attachable", False),
        mtu=rec.get("mtu"), labels=tuple(sorted(rec.get("labels", {}).items())), endpoints=eps,
        enable_ipv6=bool(rec.get("enable_ipv6")), subnet6=rec.get("subnet6"), gateway6=rec.get("gateway6"),
    )


def _endpoint(rec: dict, cid: str) -> EndpointInfo:
    ep = rec["endpoints"][cid]
    return EndpointInfo(
        container_id=cid, network=rec["name"], ipv4_address=ep["ip"], prefixlen=int(rec["subnet"].split("/")[1]),
        gateway=rec["gateway"], mac=ep["mac"], interface=ep["interface"], host_veth=ep["host_veth"],
        names=tuple(ep.get("names", [])), ports=tuple(ports.from_record(p) for p in ep.get("ports", [])),
        ipv6_address=ep.get("ip6"), gateway6=rec.get("gateway6") if ep.get("ip6") else None,
        prefixlen6=int(rec["subnet6"].split("/")[1]) if ep.get("ip6") else None,
    )


def _normalise(spec: NetworkSpec) -> NetworkSpec:
    """An IPv6 ``subnet``/``gateway`` (a compose ipam entry that is IPv6) is read as ``subnet6``/``gateway6``."""
    if spec.subnet and ":" in spec.subnet and spec.subnet6 is None:
        gw6 = spec.gateway if spec.gateway and ":" in spec.gateway else spec.gateway6
        return replace(spec, subnet=None, ip_range=None, gateway=None, subnet6=spec.subnet, gateway6=gw6)
    return spec


def _validate_ipv6(spec: NetworkSpec) -> None:
    if not spec.enable_ipv6:
        if spec.subnet6 or spec.gateway6:
            raise NetworkError(
                f"create network {spec.name}: an IPv6 subnet/gateway is configured but enable_ipv6 is false; "
                "set enable_ipv6: true"
            )
        return
    why = nat.ipv6_disabled()
    if why:
        raise NetworkError(f"create network {spec.name}: enable_ipv6 is set but IPv6 is disabled on this host: {why}")


def _validate(spec: NetworkSpec) -> None:
    if not NAME_RE.match(spec.name) or len(spec.name) > MAX_NAME:
        raise NetworkError(
            f"create network {spec.name!r}: invalid name; use letters, digits, '_', '.', '-' (at most {MAX_NAME})"
        )
    if spec.driver != "bridge":
        raise NetworkError(f"create network {spec.name}: driver {spec.driver!r} unsupported; use driver: bridge")
    if spec.bridge_name is not None and (len(spec.bridge_name.encode()) > IFNAMSIZ or not spec.bridge_name):
        raise NetworkError(
            f"create network {spec.name}: bridge name {spec.bridge_name!r} is longer than {IFNAMSIZ} bytes; shorten it"
        )
    if spec.mtu is not None and not 68 <= spec.mtu <= 65535:
        raise NetworkError(f"create network {spec.name}: mtu {spec.mtu} out of range 68-65535")
    _validate_ipv6(spec)


class NetworkService:
    """Everything about dockyard networks under one DOCKYARD_ROOT / DOCKYARD_RUN pair."""

    def __init__(self, root: Path | str | None = None, run: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else store.root_dir()
        self.run = Path(run) if run is not None else store.run_dir()

    # -- networks ----------------------------------------------------------------------------------------------
    def create_network(self, spec: NetworkSpec) -> NetworkInfo:
        """Create bridge, rules and state (idempotent for an existing name); start or reload the DNS responder.

        With ``enable_ipv6`` the network also gets an IPv6 subnet (``subnet6`` or a free /64 of the ULA pool), the
        IPv6 gateway on the bridge, the responder on it, and an ``ip6`` rule table."""
        spec = _normalise(spec)
        _validate(spec)
        with store.locked(self.root):
            existing = store.read(self.root, spec.name)
            if existing is not None and bridge.link_exists(existing["bridge"]):
                return _info(existing)
            rec = self._build(spec)
            self._materialise(rec)
            store.write(self.root, rec)
        self._ensure_dns(rec)
        return _info(rec)

    def _ensure_dns(self, rec: dict) -> None:
        dnsctl.ensure(self.root, self.run, rec["gateway"])
        if rec.get("enable_ipv6"):
            dnsctl.ensure(self.root, self.run, rec["gateway6"])

    def _used6(self, skip: str) -> list[tuple[ipaddress.IPv6Network, str]]:
        used = [(ipaddress.IPv6Network(c, strict=False), w) for c, w in bridge.host_networks6()]
        for name, rec in store.read_all(self.root).items():
            if name != skip and rec.get("subnet6"):
                used.append((ipaddress.IPv6Network(rec["subnet6"]), f"network {name}"))
        return used

    def _used(self, skip: str) -> list[tuple[ipaddress.IPv4Network, str]]:
        used = [(ipaddress.IPv4Network(c, strict=False), w) for c, w in bridge.host_networks()]
        for name, rec in store.read_all(self.root).items():
            if name != skip:
                used.append((ipaddress.IPv4Network(rec["subnet"]), f"network {name}"))
        return used

    def _build(self, spec: NetworkSpec) -> dict:
        alloc = ipam.choose(spec.name, self._used(spec.name), spec.subnet, spec.ip_range, spec.gateway)
        alloc6 = ipam.choose6(spec.name, self._used6(spec.name), spec.subnet6, spec.gateway6) if spec.enable_ipv6 else None
        net_id = _network_id()
        br = spec.bridge_name or f"dy-{net_id[:12]}"
        if bridge.link_exists(br):
            raise NetworkError(f"create network {spec.name}: a link named {br} already exists; pick another bridge name")
        return {
            "name": spec.name, "id": net_id, "bridge": br, "subnet": str(alloc.subnet), "gateway": str(alloc.gateway),
            "ip_range": str(alloc.ip_range) if alloc.ip_range else None, "internal": spec.internal,
            "attachable": spec.attachable, "mtu": spec.mtu, "labels": spec.label_dict(), "created": time.time(),
            "endpoints": {}, "enable_ipv6": alloc6 is not None,
            "subnet6": str(alloc6.subnet) if alloc6 else None, "gateway6": str(alloc6.gateway) if alloc6 else None,
        }

    def _materialise(self, rec: dict) -> None:
        prefix = int(rec["subnet"].split("/")[1])
        bridge.create_bridge(rec["bridge"], rec["gateway"], prefix, rec["mtu"],
                             ipam.mac_for(ipaddress.IPv4Address(rec["gateway"])))
        try:
            if rec.get("enable_ipv6"):
                bridge.add_address6(rec["bridge"], rec["gateway6"], int(rec["subnet6"].split("/")[1]))
            nat.allow_localnet(rec["bridge"])
            if not rec["internal"]:
                nat.enable_forwarding()
                if rec.get("enable_ipv6"):
                    nat.enable_forwarding6()
            self._apply_rules(rec)
        except NetworkError:
            self._teardown(rec)
            raise

    def _apply_rules(self, rec: dict) -> None:
        published = [ports.from_record(p) for ep in rec["endpoints"].values() for p in ep.get("ports", [])]
        dnat6 = [r for ep in rec["endpoints"].values() if ep.get("ip6")
                 for r in ports.dnat6_rules([ports.from_record(p) for p in ep.get("ports", [])], ep["ip6"])]
        nat.apply(_table(rec), rec["bridge"], rec["subnet"], rec["internal"], ports.dnat_rules(published),
                  rec.get("subnet6") if rec.get("enable_ipv6") else None, dnat6)

    @staticmethod
    def _teardown(rec: dict) -> None:
        nat.remove_while(_table(rec), lambda: bridge.delete_link(rec["bridge"]))  # both take tens of ms: overlapped

    def remove_network(self, name: str, missing_ok: bool = False) -> bool:
        """Remove bridge, rules, state; refuses (changing nothing) while containers are attached."""
        with store.locked(self.root):
            rec = store.read(self.root, name)
            if rec is None:
                if missing_ok:
                    return False
                raise NetworkError(f"remove network {name}: no such network")
            if rec["endpoints"]:
                users = ", ".join(sorted(c[:12] for c in rec["endpoints"]))
                raise NetworkError(f"remove network {name}: still in use by containers {users}; stop them first")
            self._teardown(rec)
            store.delete(self.root, name)
            left = store.read_all(self.root)
        if left:
            dnsctl.reload(self.run)
        else:
            dnsctl.stop(self.run)
        return True

    def list(self, labels: dict[str, str] | None = None) -> list[NetworkInfo]:
        infos = [_info(r) for r in store.read_all(self.root).values()]
        if labels:
            infos = [i for i in infos if all(dict(i.labels).get(k) == v for k, v in labels.items())]
        return infos

    def inspect(self, name: str) -> NetworkInfo:
        rec = store.read(self.root, name)
        if rec is None:
            raise NetworkError(f"inspect network {name}: no such network")
        return _info(rec)

    def prune(self, labels: dict[str, str] | None = None) -> list[str]:
        """Remove every unused network (matching ``labels``); returns their names."""
        gone = []
        for info in self.list(labels):
            if not info.endpoints:
                try:
                    if self.remove_network(info.name, missing_ok=True):
                        gone.append(info.name)
                except NetworkError:
                    continue
        return gone

    # -- attachments -------------------------------------------------------------------------------------------
    def connect(
        self,
        container_id: str,
        netns_path: str | int,
        network: str,
        ipv4_address: str | None = None,
        aliases: Sequence[str] = (),
        mac: str | None = None,
        dns: Sequence[str] = (),
        default_route: bool | None = None,
        ipv6_address: str | None = None,
        links: Sequence[tuple[str, str]] = (),
    ) -> EndpointInfo:
        """Attach a container's netns: veth on the bridge, ``ethN`` inside with address, mac, MTU, default route.

        ``aliases`` are every DNS name of the container on this network (container name first: it is the PTR name;
        then service name, hostname, aliases). ``links``: (alias, name) pairs only this container resolves (the
        alias answers as the name does). ``dns`` are per-container upstream resolvers for forwarding.
        ``default_route``: None = via this gateway if the container has none yet (so connect the first network
        first); True = replace it (highest ``gw_priority``); False = never. Internal networks never get one.
        On an IPv6 network the endpoint also gets ``ipv6_address`` (or the lowest free one) and an IPv6 default
        route by the same rule; ``ipv6_address`` on an IPv4-only network is an error.
        """
        netns = bridge.netns_path(netns_path)
        ifname = bridge.next_ifname(netns)  # the container's own netns: no other container's work can change it
        want = {"cid": container_id, "network": network, "ifname": ifname, "netns": netns, "ip": ipv4_address,
                "ip6": ipv6_address, "mac": mac, "names": [a for a in aliases if a], "dns": list(dns),
                "links": {alias: name for alias, name in links}}
        rec, ep = batch.apply(self.root, network, lambda r: endpoints.reserve(r, want))
        if ep is None:  # attached already
            return _endpoint(rec, container_id)
        # The address is reserved; the links are this endpoint's own, so they are made outside the lock and other
        # containers connect meanwhile.
        try:
            self._plug(rec, ep, default_route)
        except BaseException:
            self._unreserve(network, container_id, ep["host_veth"])
            raise
        self._ensure_dns(rec)
        return _endpoint(rec, container_id)

    def _unreserve(self, network: str, container_id: str, host_veth: str) -> None:
        """Drop an endpoint whose links could not be made (only if it is still the one reserved)."""
        def drop(rec: dict | None) -> tuple[None, bool]:
            if rec is not None and rec["endpoints"].get(container_id, {}).get("host_veth") == host_veth:
                del rec["endpoints"][container_id]
                return None, True
            return None, False

        batch.apply(self.root, network, drop)

    @staticmethod
    def _plug(rec: dict, ep: dict, default_route: bool | None) -> None:
        """veth pair for reserved endpoint ``ep``: host end on the bridge, peer made and configured inside."""
        host, netns, ifname = ep["host_veth"], ep["netns"], ep["interface"]
        # The names derive from (network, container): a veth left by a process killed between creating it and
        # recording the endpoint is ours, so it is removed rather than colliding (EEXIST) on the next attach.
        bridge.delete_link(host)
        bridge.plug_veth(host, rec["bridge"], rec["mtu"], netns, ifname, ep["mac"])  # the peer is made inside
        try:
            gw = None if rec["internal"] or default_route is False else rec["gateway"]
            prefix = int(rec["subnet"].split("/")[1])
            v6 = {}
            if ep.get("ip6") is not None:
                v6 = {"address6": ep["ip6"], "prefixlen6": int(rec["subnet6"].split("/")[1]),
                      "gateway6": rec["gateway6"] if gw else None}
            bridge.configure_inside(netns, ifname, ifname, ep["ip"], prefix, None, None, gw, bool(default_route),
                                    **v6)
        except NetworkError:
            bridge.delete_link(host)
            bridge.delete_inside(netns, ifname)
            raise

    def disconnect(self, container_id: str, network: str, reload_dns: bool = True, links_gone: bool = False) -> bool:
        """Detach (veth deleted, ports unpublished, DNS records gone); False if it was not attached.

        ``links_gone``: the caller saw the endpoint's veth go away (with its netns): nothing to delete."""
        rec = store.read(self.root, network)
        if rec is None or container_id not in rec["endpoints"]:
            return False
        ep = rec["endpoints"][container_id]
        # The links are this endpoint's own: deleted (the slow part) before taking the lock.
        if not links_gone and not bridge.delete_link(ep["host_veth"]):
            bridge.delete_inside(ep.get("netns", ""), ep["interface"])
        if not batch.apply(self.root, network, lambda r: self._drop(r, container_id)):
            return False
        if reload_dns:
            dnsctl.reload(self.run)
        return True

    def _drop(self, rec: dict | None, container_id: str) -> tuple[bool, bool]:
        """Under the lock: remove the endpoint (and its port rules); False if it was not there."""
        if rec is None or container_id not in rec["endpoints"]:
            return False, False
        ep = rec["endpoints"].pop(container_id)
        if ep.get("ports"):
            try:
                self._apply_rules(rec)
            except BaseException:
                rec["endpoints"][container_id] = ep
                raise
        return True, True

    def disconnect_all(self, container_id: str, released: bool = False) -> list[str]:
        """Detach a container from every network; returns the network names.

        ``released``: the caller has just unpinned the container's netns, with no process of it left, so the
        kernel is destroying the namespace and its veths with it, batched with every other namespace going away
        (deleting veths one by one costs each a grace period under the kernel's global network lock). They are
        waited for here; whatever is still there after ``RELEASE_WAIT`` (something else holds the namespace) is
        deleted as usual."""
        attached = {n: r["endpoints"][container_id]["host_veth"] for n, r in store.read_all(self.root).items()
                    if container_id in r["endpoints"]}
        held = bridge.wait_gone(list(attached.values()), RELEASE_WAIT) if released and attached else None
        gone = {veth for veth in attached.values() if held is not None and veth not in held}
        done = [n for n, veth in attached.items()
                if self.disconnect(container_id, n, reload_dns=False, links_gone=veth in gone)]
        if done:
            dnsctl.reload(self.run)
        return done

    # -- published ports ---------------------------------------------------------------------------------------
    def publish(self, container_id: str, network: str, specs: Iterable[PortSpec]) -> tuple[PortInfo, ...]:
        """DNAT host ports to the container's address on ``network``; checked completely before any rule is set."""
        with store.locked(self.root):
            records = store.read_all(self.root)
            rec = records.get(network)
            if rec is None or container_id not in rec["endpoints"]:
                raise NetworkError(f"publish ports of {container_id[:12]}: not attached to network {network}")
            taken = [(p["host_ip"], int(p["host_port"]), p["protocol"])
                     for r in records.values() for e in r["endpoints"].values() for p in e.get("ports", [])]
            ep = rec["endpoints"][container_id]
            infos = ports.resolve(specs, ep["ip"], container_id[:12], taken)
            ep["ports"] = ep.get("ports", []) + [ports.to_record(p) for p in infos]
            self._apply_rules(rec)
            store.write(self.root, rec, durable=False)
        return tuple(infos)

    def port(self, container_id: str, container_port: int, protocol: str = "tcp") -> list[PortInfo]:
        """Where ``container_port/protocol`` of a container is published (``dockyard port``)."""
        return [p for info in self.list() for ep in info.endpoints if ep.container_id == container_id
                for p in ep.ports if p.container_port == container_port and p.protocol == protocol]

    def endpoints(self, container_id: str) -> list[EndpointInfo]:
        return [ep for info in self.list() for ep in info.endpoints if ep.container_id == container_id]

    # -- files for containers ----------------------------------------------------------------------------------
    def resolv_conf(self, network: str, dns_search: Sequence[str] = (), dns_opt: Sequence[str] = ()) -> str:
        """resolv.conf pointing at the first network's gateway (custom ``dns`` servers go to connect(dns=...))."""
        lines = [f"nameserver {self.inspect(network).gateway}"]
        if dns_search:
            lines.append("search " + " ".join(dns_search))
        if dns_opt:
            lines.append("options " + " ".join(dns_opt))
        return "\n".join(lines) + "\n"

    def hosts_file(self, container_id: str, names: Sequence[str], extra_hosts: Sequence[str] = ()) -> str:
        """/etc/hosts: loopback, the container's own addresses and names, ``extra_hosts`` (``host-gateway`` too)."""
        eps = self.endpoints(container_id)
        lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
        own = " ".join(dict.fromkeys(n for n in names if n))
        lines += [f"{ep.ipv4_address}\t{own}" for ep in eps if own]
        lines += [f"{ep.ipv6_address}\t{own}" for ep in eps if own and ep.ipv6_address]
        host_gw = eps[0].gateway if eps else "127.0.0.1"
        for entry in extra_hosts:
            host, sep, ip = entry.partition("=") if "=" in entry else entry.partition(":")
            if not sep or not host or not ip:
                raise NetworkError(f"extra_hosts entry {entry!r}: use 'name:ip' or 'name=ip'")
            lines.append(f"{host_gw if ip == 'host-gateway' else ip}\t{host}")
        return "\n".join(lines) + "\n"


def _table(rec: dict) -> str:
    return f"dy-{rec['id'][:12]}"


def _network_id() -> str:
    """A new network id: 64 hex digits, as secrets.token_hex(32) (without loading hmac and OpenSSL)."""
    return os.urandom(32).hex()
