"""The one cgroup driver interface; v1 and v2 drivers implement it. The cgroup root is injectable for tests."""

from __future__ import annotations

import errno
import os
import time
from abc import ABC, abstractmethod
from pathlib import Path

from runtime.errors import KernelError
from runtime.spec import Blkio, Resources


def write(path: Path, *values: str) -> None:
    """Write a cgroup control file, one write(2) per value (e.g. device rules); a failure names file and value."""
    value = ""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            for value in values:
                os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as exc:
        raise KernelError("write cgroup file", exc.errno or errno.EIO, str(path), detail=value) from exc


def read(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        return os.read(fd, 65536).decode()
    except OSError:
        return ""
    finally:
        os.close(fd)


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


def rmdir_parent_if_empty(path: Path) -> None:
    """Drop the shared ``dockyard`` parent once its last container is gone (busy or non-empty: left alone)."""
    try:
        os.rmdir(path.parent)
    except OSError:
        pass


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

    def exists(self) -> bool:
        """Is any directory of the cgroup still there? A stat each, where an rmdir attempt on a cgroup fs takes the
        kernel's global cgroup lock (so a removal can be skipped when another process already made it)."""
        return True

    @abstractmethod
    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        """(fstype, subdir under /sys/fs/cgroup, mount data) to mount read-only inside the container."""

    def blkio_warnings(self, b: Blkio) -> list[str]:  # noqa: ARG002 - a driver that can tell overrides it
        """Before any cgroup is made: the weights of ``b`` this host cannot apply (``create`` skips them)."""
        return []


class CgroupDriver(ABC):
    """Creates cgroups with limits applied."""

    root: Path

    @abstractmethod
    def open(self, name: str) -> Cgroup:
        """The cgroup ``<parent>/<name>`` by path only (no I/O): for the child, which joins what the parent made."""

    @abstractmethod
    def create(self, name: str, resources: Resources, devices: tuple[str, ...] = ()) -> Cgroup:
        """Create ``<parent>/<name>`` and apply ``resources``; on failure nothing is left behind.

        ``devices``: device rules allowed beyond Docker's defaults, v1 syntax (``c 10:229 rwm``); ``a`` allows
        every device (``privileged``)."""

    @abstractmethod
    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        """(fstype, subdir under /sys/fs/cgroup, mount data) to mount read-only inside the container."""


def shares_to_weight(shares: int) -> int:
    """cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), as runc converts it."""
    return 1 + ((max(2, min(shares, 262144)) - 2) * 9999) // 262142


CFS_PERIOD = 100_000
