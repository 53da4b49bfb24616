"""Resolve a container path inside the rootfs, following symlinks as if the rootfs were ``/`` (never outside)."""

from __future__ import annotations

import errno
import os
import stat

from runtime.errors import KernelError
from runtime.linux.syscalls import Syscalls

MAX_LINKS = 255


def secure_join(sys: Syscalls, root: str, unsafe: str) -> str:
    """The host path of ``unsafe`` inside ``root``: ``..`` and symlinks (absolute or relative) are clamped at root.

    Components that do not exist yet are joined as they are (the caller creates them).
    """
    parts = [p for p in unsafe.split("/") if p not in ("", ".")]
    done: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = os.path.join(root, *done, part)
        st = sys.lstat(candidate)
        if st is None or not stat.S_ISLNK(st.st_mode):
            done.append(part)
            continue
        links += 1
        if links > MAX_LINKS:
            raise KernelError("resolve", errno.ELOOP, unsafe)
        target = sys.readlink(candidate)
        if target.startswith("/"):
            done = []
        parts = [p for p in target.split("/") if p not in ("", ".")] + parts
    return os.path.join(root, *done)


def is_within(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    return path == root or path.startswith(root + "/") or root == "/"


def mkdir_all(sys: Syscalls, root: str, unsafe: str, mode: int = 0o755) -> str:
    """Create the dir ``unsafe`` inside ``root`` (symlinks resolved within root first); return its host path."""
    path = secure_join(sys, root, unsafe)
    rel = os.path.relpath(path, root)
    current = root
    for part in ([] if rel == "." else rel.split("/")):
        current = os.path.join(current, part)
        st = sys.lstat(current)
        if st is None:
            sys.mkdir(current, mode)
        elif stat.S_ISLNK(st.st_mode):
            raise KernelError("mkdir", errno.ELOOP, unsafe, detail=f"{current} changed into a symlink")
        elif not stat.S_ISDIR(st.st_mode):
            raise KernelError("mkdir", errno.ENOTDIR, unsafe, detail=f"{current} exists and is not a directory")
    return path


def ensure_target(sys: Syscalls, root: str, unsafe: str, *, directory: bool) -> str:
    """Create a mount target (dir or empty file) inside ``root``; return its resolved host path."""
    path = secure_join(sys, root, unsafe)
    if path == root.rstrip("/"):
        return path
    mkdir_all(sys, root, "/" + os.path.relpath(os.path.dirname(path), root))
    if sys.lstat(path) is None:
        if directory:
            sys.mkdir(path)
        else:
            sys.create_file(path)
    return path
