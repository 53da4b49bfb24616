"""cgroups: one driver interface (``CgroupDriver``/``Cgroup``), a v1 and a v2 driver, and detection."""

from __future__ import annotations

from pathlib import Path

from runtime.linux.cgroups.base import Cgroup, CgroupDriver
from runtime.linux.cgroups.v1 import V1Driver
from runtime.linux.cgroups.v2 import V2Driver

__all__ = ["Cgroup", "CgroupDriver", "V1Driver", "V2Driver", "detect"]


def detect(root: Path | str = "/sys/fs/cgroup", parent: str = "dockyard") -> CgroupDriver:
    """v2 when ``root`` itself is a cgroup2 mount (has cgroup.controllers), else v1 (hybrid layouts included)."""
    if (Path(root) / "cgroup.controllers").exists():
        return V2Driver(root, parent)
    return V1Driver(root, parent)
