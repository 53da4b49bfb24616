"""/dev inside the container: a tmpfs with only Docker's default devices, pts, shm, mqueue and the fd links."""

from __future__ import annotations

import os

from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls

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
