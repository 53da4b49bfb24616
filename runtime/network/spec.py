"""Plain frozen data for networking: what callers ask for (*Spec) and what they read back (*Info)."""

from __future__ import annotations

from dataclasses import field

from runtime.records import record


@record
class NetworkSpec:
    """A network to create. ``name`` is the human name (e.g. ``myproj_default``), kept in state only."""

    name: str
    driver: str = "bridge"
    internal: bool = False
    attachable: bool = False
    enable_ipv6: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    subnet: str | None = None
    ip_range: str | None = None
    gateway: str | None = None
    mtu: int | None = None
    bridge_name: str | None = None
    subnet6: str | None = None
    gateway6: str | None = None

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


@record
class EndpointInfo:
    """One container's attachment to one network."""

    container_id: str
    network: str
    ipv4_address: str
    prefixlen: int
    gateway: str
    mac: str
    interface: str
    host_veth: str
    names: tuple[str, ...] = ()
    ports: tuple["PortInfo", ...] = ()
    ipv6_address: str | None = None
    prefixlen6: int | None = None
    gateway6: str | None = None


@record
class NetworkInfo:
    """A network as read back from state."""

    name: str
    id: str
    bridge: str
    subnet: str
    gateway: str
    ip_range: str | None
    internal: bool
    attachable: bool
    mtu: int | None
    labels: tuple[tuple[str, str], ...] = ()
    endpoints: tuple[EndpointInfo, ...] = field(default=())
    enable_ipv6: bool = False
    subnet6: str | None = None
    gateway6: str | None = None


@record
class PortSpec:
    """A published port: container_port/protocol reached through host_ip:host_port (0 = pick a free one)."""

    container_port: int
    host_port: int = 0
    protocol: str = "tcp"
    host_ip: str = "0.0.0.0"


@record
class PortInfo:
    """A published port as set up: where the host listens and where it leads."""

    host_ip: str
    host_port: int
    protocol: str
    container_ip: str
    container_port: int

    def address(self) -> str:
        """``IP:PORT`` as ``dockyard port`` prints it."""
        return f"{self.host_ip}:{self.host_port}"
