"""cgroup v1 driver: one directory per hierarchy (this machine: cpu, cpuacct, cpuset, memory, devices, freezer,
blkio, pids each mounted alone; combined mounts like ``cpu,cpuacct`` also work)."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from runtime.errors import KernelError
from runtime.linux.cgroups import blkio
from runtime.linux.cgroups.base import (
    CFS_PERIOD,
    Cgroup,
    CgroupDriver,
    read,
    rmdir_parent_if_empty,
    rmdir_retry,
    write,
)
from runtime.spec import Blkio, Resources

KNOWN = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "net_cls", "net_prio",
         "perf_event", "hugetlb", "rdma", "misc"}

# Docker's default device rules: mknod of anything, access only to the default devices.
DEVICE_RULES = ("c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm")


class V1Cgroup(Cgroup):
    def __init__(self, name: str, dirs: dict[str, Path]) -> None:
        self.name = name
        self.dirs = dirs  # hierarchy dir name (e.g. "cpu,cpuacct") -> this cgroup's directory
        self.warnings: list[str] = []  # limits the kernel could not apply (e.g. a blkio weight without BFQ)

    def _dir(self, controller: str) -> Path | None:
        return next((d for h, d in self.dirs.items() if controller in h.split(",")), None)

    def join_self(self) -> None:
        # "0" to ``tasks`` moves only the calling thread, which lets the kernel skip the global threadgroup lock
        # (an RCU grace period per write through cgroup.procs). The caller is the single-threaded child.
        for path in self.dirs.values():
            write(path / "tasks", "0")

    def pids(self) -> list[int]:
        path = self._dir("pids") or self._dir("memory") or next(iter(self.dirs.values()))
        return [int(x) for x in read(path / "cgroup.procs").split()]

    def oom_killed(self) -> bool:
        mem = self._dir("memory")
        if mem is None:
            return False
        for line in read(mem / "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value or 0) > 0
        return False

    def exists(self) -> bool:
        return any(os.path.lexists(path) for path in self.dirs.values())

    def remove(self) -> None:
        for path in self.dirs.values():
            rmdir_retry(path)
            rmdir_parent_if_empty(path)

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return [("cgroup", h, h) for h in self.dirs]


class V1Driver(CgroupDriver):
    def __init__(self, root: Path | str = "/sys/fs/cgroup", parent: str = "dockyard") -> None:
        self.root = Path(root)
        self.parent = parent
        self.hierarchies = sorted(
            p.name for p in self.root.iterdir()
            if p.is_dir() and not p.is_symlink() and set(p.name.split(",")) <= KNOWN
        ) if self.root.is_dir() else []

    def open(self, name: str) -> V1Cgroup:
        return V1Cgroup(name, {h: self.root / h / self.parent / name for h in self.hierarchies})

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return [("cgroup", h, h) for h in self.hierarchies]

    def blkio_warnings(self, b: Blkio) -> list[str]:
        io = next((h for h in self.hierarchies if "blkio" in h.split(",")), None)
        return blkio.weight_warnings_v1(self.root / io, b) if io else []

    def create(self, name: str, resources: Resources, devices: tuple[str, ...] = ()) -> Cgroup:
        dirs: dict[str, Path] = {}
        cg = V1Cgroup(name, dirs)
        try:
            for h in self.hierarchies:
                path = self.root / h / self.parent / name
                _mkdir_with_parent(path, h)
                dirs[h] = path
            self._apply(cg, resources, devices)
        except BaseException:
            with contextlib.suppress(Exception):
                cg.remove()
            raise
        return cg

    def _apply(self, cg: V1Cgroup, r: Resources, devices: tuple[str, ...] = ()) -> None:
        dev = cg._dir("devices")
        if dev is not None and "a" in devices:
            write(dev / "devices.allow", "a")
        elif dev is not None:
            write(dev / "devices.deny", "a")
            write(dev / "devices.allow", *DEVICE_RULES, *devices)
        mem = cg._dir("memory")
        if mem is not None:
            _memory(mem, r)
        cpu = cg._dir("cpu")
        if cpu is not None and r.cpus is not None:
            write(cpu / "cpu.cfs_period_us", str(CFS_PERIOD))
            write(cpu / "cpu.cfs_quota_us", str(int(r.cpus * CFS_PERIOD)))
        if cpu is not None and r.cpu_shares is not None:
            write(cpu / "cpu.shares", str(r.cpu_shares))
        cpuset = cg._dir("cpuset")
        if cpuset is not None and r.cpuset_cpus:
            write(cpuset / "cpuset.cpus", r.cpuset_cpus)
        if cpuset is not None and r.cpuset_mems:
            write(cpuset / "cpuset.mems", r.cpuset_mems)
        pids = cg._dir("pids")
        if pids is not None and r.pids_limit is not None and r.pids_limit > 0:
            write(pids / "pids.max", str(r.pids_limit))
        io = cg._dir("blkio")
        if r.blkio is not None and io is None:
            raise KernelError("apply blkio_config", errno.ENOENT, str(self.root / "blkio"),
                              detail="no blkio cgroup hierarchy is mounted; mount it or drop blkio_config")
        if io is not None and r.blkio is not None:
            cg.warnings.extend(blkio.apply_v1(io, r.blkio))


def _memory(mem: Path, r: Resources) -> None:
    if r.memory_reservation is not None:
        write(mem / "memory.soft_limit_in_bytes", str(r.memory_reservation))
    if r.memory is None:
        return
    write(mem / "memory.limit_in_bytes", str(r.memory))
    swap = r.memory_swap if r.memory_swap is not None else 2 * r.memory  # Docker: unset means swap = memory
    if (mem / "memory.memsw.limit_in_bytes").exists():
        write(mem / "memory.memsw.limit_in_bytes", str(swap))


def _mkdir_with_parent(path: Path, hierarchy: str) -> None:
    """mkdir the cgroup and, if needed, the shared parent, both ready for tasks before this returns.

    Race-free between processes: the parent's mkdir tolerates EEXIST and its initialisation is idempotent (any
    creator finishes it); the parent may also vanish with another container's cleanup, then it is made again.
    """
    cpuset = "cpuset" in hierarchy.split(",")
    for attempt in range(5):
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(path.parent)
            if cpuset:
                _init_cpuset(path.parent, levels=1)
            os.mkdir(path)
            if cpuset:
                _init_cpuset(path)
            return
        except (FileNotFoundError, KernelError):
            # A write into, or a read of, the parent that another container's cleanup removed meanwhile (an empty
            # read shows up as ENOSPC from _init_cpuset): make it again. The parent may already be back, made by
            # a third start, so it is not checked; only a missing hierarchy root is a real failure.
            if attempt == 4 or not path.parent.parent.is_dir():
                raise


CPUSET_FILES = ("cpuset.cpus", "cpuset.mems")


def _init_cpuset(path: Path, levels: int = 2) -> None:
    """A new v1 cpuset starts with no cpus and no mems, and a task joining it fails with ENOSPC: copy both from
    the parent (initialising the parent first if another process made it and has not filled it yet)."""
    for name in CPUSET_FILES:
        if read(path / name).strip():
            continue
        value = read(path.parent / name).strip()
        if not value and levels > 1:
            _init_cpuset(path.parent, levels - 1)
            value = read(path.parent / name).strip()
        if not value:
            raise KernelError("init cpuset", errno.ENOSPC, str(path / name),
                              detail=f"its parent has no {name} to inherit; give {path.parent} cpus and mems")
        write(path / name, value)
