"""Resource counters of a running container read from its cgroups (``stats``), v1 or v2."""

from __future__ import annotations

import contextlib
from pathlib import Path


def cgroup_counters(pid: int, root: str = "/sys/fs/cgroup") -> dict:
    """cpu (ns), memory (bytes, less inactive file cache, as docker stats) and pids of ``pid``'s cgroups, v1 or v2."""
    dirs: dict[str, Path] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/cgroup") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else ["unified"]:
                base = Path(root, controllers) if controllers else Path(root)
                dirs.setdefault(name.removeprefix("name="), base / path.lstrip("/"))
    out: dict = {}
    v2 = dirs.get("unified")
    if v2 is not None and (v2 / "memory.current").exists():
        stat = _keyed(v2 / "cpu.stat")
        out["cpu_ns"] = stat.get("usage_usec", 0) * 1000
        out["memory_usage"] = _int(v2 / "memory.current") - _keyed(v2 / "memory.stat").get("inactive_file", 0)
        out["memory_limit"] = _int(v2 / "memory.max", None)
        out["pids"] = _int(v2 / "pids.current")
        return out
    if "cpuacct" in dirs:
        out["cpu_ns"] = _int(dirs["cpuacct"] / "cpuacct.usage")
    if "memory" in dirs:
        inactive = _keyed(dirs["memory"] / "memory.stat").get("total_inactive_file", 0)
        out["memory_usage"] = _int(dirs["memory"] / "memory.usage_in_bytes") - inactive
        limit = _int(dirs["memory"] / "memory.limit_in_bytes", None)
        out["memory_limit"] = limit if limit is not None and limit < 1 << 62 else None
    if "pids" in dirs:
        out["pids"] = _int(dirs["pids"] / "pids.current")
    return out


def _int(path: Path, default: int | None = 0) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):  # "max", or the cgroup went away
        return default


def _keyed(path: Path) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in (line.split() for line in path.read_text().splitlines() if " " in line)}
    except (OSError, ValueError):
        return {}
