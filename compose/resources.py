"""``dockyard network ...`` / ``dockyard volume ...`` rows.

dockyard's default network: the runtime creates its ``bridge`` (labelled ``dockyard.default=true``) when the first
container without ``--network`` starts, and keeps it afterwards, as Docker keeps its ``bridge`` (so a ``container
run --rm`` does not pay for a bridge, an nft table and a DNS responder each time). ``network rm bridge`` and
``network prune`` remove it while no container is attached; a later container makes it again.
"""

from __future__ import annotations

from typing import Any

ANONYMOUS_VOLUME_LABEL = "com.docker.volume.anonymous"
NETWORK_HEADERS = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")
VOLUME_HEADERS = ("DRIVER", "VOLUME NAME")


def network_row(info: Any) -> tuple[str, ...]:
    return (info.id[:12], info.name, "bridge", "local")


def network_json(info: Any) -> dict:
    """``network inspect``: Docker's main fields, plus the bridge device and the attached containers."""
    return {
        "Name": info.name, "Id": info.id, "Driver": "bridge", "Scope": "local", "Internal": info.internal,
        "Attachable": info.attachable, "Labels": dict(info.labels),
        "IPAM": {"Driver": "default", "Config": [{"Subnet": info.subnet, "Gateway": info.gateway}
                                                 | ({"IPRange": info.ip_range} if info.ip_range else {})]},
        "Options": {"com.docker.network.bridge.name": info.bridge} | ({"com.docker.network.driver.mtu": str(info.mtu)}
                                                                        if info.mtu else {}),
        "Containers": {e.container_id: {"IPv4Address": f"{e.ipv4_address}/{e.prefixlen}", "MacAddress": e.mac}
                       for e in info.endpoints},
    }


def volume_json(info: Any) -> dict:
    return {"Name": info.name, "Driver": info.driver, "Mountpoint": info.mountpoint, "Labels": dict(info.labels),
            "Scope": "local", "CreatedAt": info.created}


def prune_volume_labels(all_volumes: bool) -> dict[str, str] | None:
    """``volume prune`` removes unused anonymous volumes (as Docker 23+), every unused one with ``-a``."""
    return None if all_volumes else {ANONYMOUS_VOLUME_LABEL: ""}


def parse_labels(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(tuple(item.partition("=")[::2]) for item in items))  # type: ignore[misc]

