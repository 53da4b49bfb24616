"""/dev inside the container: a tmpfs with only Docker's default devices, pts, shm, mqueue and the fd links."""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls
from runtime.rootfs.paths import mkdir_all, secure_join

# name, major, minor (mode 0666, char devices)
DEFAULT_DEVICES: tuple[tuple[str, int, int], ...] = (
    ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
)
LINKS: tuple[tuple[str, str], ...] = (
    ("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
    ("/proc/self/fd/2", "stderr"), ("pts/ptmx", "ptmx"),
)
DEV_FLAGS = sc.MS_NOSUID | sc.MS_STRICTATIME


def mount_dev(sys: Syscalls, root: str) -> None:
    sys.mount("tmpfs", os.path.join(root, "dev"), "tmpfs", DEV_FLAGS, "mode=755,size=65536k")


def mount_pts(sys: Syscalls, root: str) -> None:
    path = os.path.join(root, "dev", "pts")
    sys.mkdir(path)
    sys.mount("devpts", path, "devpts", sc.MS_NOSUID | sc.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5")


def mount_mqueue(sys: Syscalls, root: str) -> None:
    path = os.path.join(root, "dev", "mqueue")
    sys.mkdir(path)
    sys.mount("mqueue", path, "mqueue", sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC)


def mount_shm(sys: Syscalls, root: str, size: int) -> None:
    path = os.path.join(root, "dev", "shm")
    sys.mkdir(path, 0o1777)
    sys.mount("shm", path, "tmpfs", sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC, f"mode=1777,size={size}")


def create_devices(sys: Syscalls, root: str) -> None:
    for name, major, minor in DEFAULT_DEVICES:
        sys.mknod(os.path.join(root, "dev", name), 0o666, major, minor)
    for target, name in LINKS:
        sys.symlink(target, os.path.join(root, "dev", name))


# What Docker leaves out when it gives a privileged container the host's devices (runc's HostDevices walk).
HOST_SKIP_DIRS = frozenset({"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"})
HOST_SKIP_FILES = frozenset({"console", "ptmx"})


class DeviceNode(NamedTuple):
    """A device node to create in the container: where, char (``c``) or block (``b``), numbers, mode, owner,
    and the access the device cgroup grants (``r``, ``w``, ``m`` letters). A NamedTuple (cheaper to define than a
    dataclass on every start): read-only, never copied."""

    path: str
    kind: str
    major: int
    minor: int
    mode: int = 0o666
    uid: int = 0
    gid: int = 0
    access: str = "rwm"

    def rule(self) -> str:
        """The device cgroup rule allowing it (v1 syntax: ``c 10:229 rwm``)."""
        return f"{self.kind} {self.major}:{self.minor} {self.access}"


def node_of(host_path: str, container_path: str, access: str = "rwm") -> DeviceNode:
    """The host's device ``host_path`` (symlinks followed) as a node at ``container_path``; ValueError if it is
    not a character or block device."""
    st = os.stat(host_path)
    if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)):
        raise ValueError(f"device {host_path} is not a character or block device")
    kind = "c" if stat.S_ISCHR(st.st_mode) else "b"
    return DeviceNode(container_path, kind, os.major(st.st_rdev), os.minor(st.st_rdev), stat.S_IMODE(st.st_mode),
                      st.st_uid, st.st_gid, access)


def host_devices(top: str = "/dev") -> tuple[DeviceNode, ...]:
    """Every character and block device under the host's ``top`` (as ``privileged`` gives them), same paths."""
    found: list[DeviceNode] = []
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in HOST_SKIP_DIRS:
                    pending.append(entry.path)
                continue
            if entry.name in HOST_SKIP_FILES or entry.is_symlink():
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                found.append(DeviceNode(entry.path, "c" if stat.S_ISCHR(st.st_mode) else "b", os.major(st.st_rdev),
                                        os.minor(st.st_rdev), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
    return tuple(sorted(found, key=lambda node: node.path))


def create_extra_devices(sys: Syscalls, root: str, nodes: tuple[DeviceNode, ...]) -> None:
    """mknod each node inside the rootfs (its path resolved within it); one already there (a default) is kept."""
    for node in nodes:
        path = secure_join(sys, root, node.path)
        if sys.lstat(path) is not None:
            continue
        mkdir_all(sys, root, "/" + os.path.relpath(os.path.dirname(path), root))
        sys.make_device(path, stat.S_IFCHR if node.kind == "c" else stat.S_IFBLK, node.major, node.minor,
                        node.mode, node.uid, node.gid)
