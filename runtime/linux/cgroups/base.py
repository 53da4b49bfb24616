"""The one cgroup driver interface; v1 and v2 drivers implement it. The cgroup root is injectable for tests."""

from __future__ import annotations

import errno
import os
import time
from abc import ABC, abstractmethod
from pathlib import Path

from runtime.errors import KernelError
from runtime.spec import Resources


def write(path: Path, value: str) -> None:
    """Write one cgroup control file; a failure names the file and the value."""
    try:
        with open(path, "w") as fh:
            fh.write(value)
    except OSError as exc:
        raise KernelError("write cgroup file", exc.errno or errno.EIO, str(path), detail=value) from exc


def read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def rmdir_retry(path: Path, attempts: int = 50) -> None:
    """rmdir a cgroup, retrying EBUSY while the last tasks finish exiting."""
    for i in range(attempts):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY or i == attempts - 1:
                raise KernelError("rmdir cgroup", exc.errno or errno.EIO, str(path)) from exc
            time.sleep(0.01)


class Cgroup(ABC):
    """One container's cgroup (in every hierarchy the driver uses)."""

    name: str

    @abstractmethod
    def join_self(self) -> None:
        """Move the calling process into this cgroup (called in the child before its cgroup namespace)."""

    @abstractmethod
    def pids(self) -> list[int]:
        """Processes in the cgroup (host pids)."""

    @abstractmethod
    def oom_killed(self) -> bool:
        """True when the kernel's OOM killer killed a process of this cgroup."""

    @abstractmethod
    def remove(self) -> None:
        """Delete the cgroup (its processes must have exited)."""

    @abstractmethod
    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        """(fstype, subdir under /sys/fs/cgroup, mount data) to mount read-only inside the container."""


class CgroupDriver(ABC):
    """Creates cgroups with limits applied."""

    root: Path

    @abstractmethod
    def create(self, name: str, resources: Resources) -> Cgroup:
        """Create ``<parent>/<name>`` and apply ``resources``; on failure nothing is left behind."""


def shares_to_weight(shares: int) -> int:
    """cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), as runc converts it."""
    return 1 + ((max(2, min(shares, 262144)) - 2) * 9999) // 262142


CFS_PERIOD = 100_000
