"""cgroup v2 driver (pure v2 machines): ``<root>/<parent>/<name>`` with controllers enabled top-down."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from runtime.errors import KernelError
from runtime.linux.cgroups import blkio, devices
from runtime.linux.cgroups.base import (
    CFS_PERIOD,
    Cgroup,
    CgroupDriver,
    read,
    rmdir_parent_if_empty,
    rmdir_retry,
    shares_to_weight,
    write,
)
from runtime.linux.syscalls import Syscalls
from runtime.spec import Blkio, Resources

WANTED = ("cpu", "cpuset", "io", "memory", "pids")


class V2Cgroup(Cgroup):
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.warnings: list[str] = []  # limits the kernel could not apply (e.g. io.weight without a scheduler)

    def join_self(self) -> None:
        write(self.path / "cgroup.procs", "0")

    def pids(self) -> list[int]:
        return [int(x) for x in read(self.path / "cgroup.procs").split()]

    def oom_killed(self) -> bool:
        for line in read(self.path / "memory.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value or 0) > 0
        return False

    def exists(self) -> bool:
        return os.path.lexists(self.path)

    def remove(self) -> None:
        rmdir_retry(self.path)
        rmdir_parent_if_empty(self.path)

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return [("cgroup2", "", None)]

    def blkio_warnings(self, b: Blkio) -> list[str]:
        """Told from a container cgroup already there (the root cgroup never has io.weight): with none yet, no
        warning here, and ``create`` still skips a weight it cannot apply."""
        with contextlib.suppress(OSError):
            sibling = next((e.path for e in os.scandir(self.root / self.parent) if e.is_dir()), None)
            if sibling is not None and (Path(sibling) / "io.max").exists():
                return blkio.weight_warnings_v2(Path(sibling), b)
        return []


DeviceFilter = Callable[[str, bytes], None]


class V2Driver(CgroupDriver):
    """``attach_devices(cgroup_dir, program)`` installs the device filter (default: the real bpf(2) calls)."""

    def __init__(self, root: Path | str = "/sys/fs/cgroup", parent: str = "dockyard",
                 attach_devices: DeviceFilter | None = None) -> None:
        self.root = Path(root)
        self.parent = parent
        self._attach = attach_devices

    def open(self, name: str) -> V2Cgroup:
        return V2Cgroup(name, self.root / self.parent / name)

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return [("cgroup2", "", None)]

    def create(self, name: str, resources: Resources, devices: tuple[str, ...] = ()) -> Cgroup:
        path = self.root / self.parent / name
        for attempt in range(3):  # the shared parent may vanish with another container's cleanup
            try:
                path.parent.mkdir(exist_ok=True)
                self._enable(self.root)
                self._enable(path.parent)
                path.mkdir()
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        cg = V2Cgroup(name, path)
        try:
            if "a" not in devices:  # privileged: no filter, every device allowed
                self._devices(path, devices)
            _apply(path, resources)
            if resources.blkio is not None:
                cg.warnings.extend(blkio.apply_v2(path, resources.blkio))
        except BaseException:
            with contextlib.suppress(Exception):
                cg.remove()
            raise
        return cg

    def _devices(self, path: Path, extra: tuple[str, ...] = ()) -> None:
        if self._attach is None:
            self._attach = Syscalls().attach_device_filter
        program = devices.program(devices.ALLOWED + devices.parse_rules(extra)) if extra else _device_program()
        self._attach(str(path), program)

    @staticmethod
    def _enable(path: Path) -> None:
        available = read(path / "cgroup.controllers").split()
        enabled = read(path / "cgroup.subtree_control").split()
        for controller in (c for c in WANTED if c in available and c not in enabled):
            # one at a time: a controller the kernel will not enable here (e.g. cpu with realtime tasks) must not
            # stop the others; a limit that needs it then fails by naming its file
            with contextlib.suppress(KernelError):
                write(path / "cgroup.subtree_control", f"+{controller}")


_PROGRAM: list[bytes] = []


def _device_program() -> bytes:
    if not _PROGRAM:
        _PROGRAM.append(devices.program())
    return _PROGRAM[0]


def _apply(path: Path, r: Resources) -> None:
    if r.memory is not None:
        write(path / "memory.max", str(r.memory))
        if r.memory_swap is not None:
            swap = "max" if r.memory_swap < 0 else str(max(0, r.memory_swap - r.memory))
        else:
            swap = str(r.memory)  # Docker: unset means as much swap as memory
        write(path / "memory.swap.max", swap)
    if r.memory_reservation is not None:
        write(path / "memory.low", str(r.memory_reservation))
    if r.cpus is not None:
        write(path / "cpu.max", f"{int(r.cpus * CFS_PERIOD)} {CFS_PERIOD}")
    if r.cpu_shares is not None:
        write(path / "cpu.weight", str(shares_to_weight(r.cpu_shares)))
    if r.cpuset_cpus:
        write(path / "cpuset.cpus", r.cpuset_cpus)
    if r.cpuset_mems:
        write(path / "cpuset.mems", r.cpuset_mems)
    if r.pids_limit is not None and r.pids_limit > 0:
        write(path / "pids.max", str(r.pids_limit))
