"""``dockyard stats``: two reads of each container's cgroup counters (``rt.stats``) turned into docker-stats rows.

CPU % is the CPU time used between the two reads over the wall time between them (100 % = one core, as Docker);
memory is the usage less inactive file cache, against the limit or, with none, the host's memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

HEADERS = ("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS")
INTERVAL = 0.5


def sample(rt: Any, infos: list[Any], interval: float = INTERVAL,
           sleep: Callable[[float], None] = time.sleep) -> list[dict]:
    """One row per container in ``infos``: read, wait ``interval`` (when one runs), read again."""
    first = {c.id: rt.stats(c.id) for c in infos}
    if any(c.state == "running" for c in infos):
        sleep(interval)
    total = host_memory()
    return [row(first[c.id], rt.stats(c.id), total) for c in infos]


def row(before: dict, after: dict, host_total: int | None) -> dict:
    """Docker's ``stats --format json`` fields from two reads of one container."""
    wall = after["read_ns"] - before["read_ns"]
    cpu = max(after["cpu_ns"] - before["cpu_ns"], 0) / wall * 100 if wall > 0 else 0.0
    limit = after.get("memory_limit") or host_total or 0
    usage = max(after.get("memory_usage", 0), 0)
    return {
        "ID": after["id"][:12], "Name": after["name"], "Container": after["name"],
        "CPUPerc": f"{cpu:.2f}%", "MemUsage": f"{binary_size(usage)} / {binary_size(limit)}",
        "MemPerc": f"{usage / limit * 100:.2f}%" if limit else "0.00%", "PIDs": str(after.get("pids", 0)),
    }


def table_row(data: dict) -> tuple[str, ...]:
    return (data["ID"], data["Name"], data["CPUPerc"], data["MemUsage"], data["MemPerc"], data["PIDs"])


def binary_size(size: int) -> str:
    """``1.5MiB`` as docker stats prints memory."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.4g}{unit}"
        value /= 1024
    return f"{value:.4g}GiB"


def host_memory(path: str = "/proc/meminfo") -> int | None:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
