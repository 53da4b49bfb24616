"""A recording stand-in for ``runtime.linux.syscalls.Syscalls``: mounts, pivots, mknods and writes are recorded,
not made; lookups (lstat, readlink, open O_PATH) and plain mkdir/symlink work for real on a temp dir rootfs."""

from __future__ import annotations

import os
from dataclasses import dataclass

from runtime.linux.syscalls import Syscalls


@dataclass(frozen=True)
class Call:
    op: str
    args: tuple


class RecordingSyscalls(Syscalls):
    def __init__(self, root: str = "") -> None:  # no ctypes: nothing real is called
        self.root = root
        self.calls: list[Call] = []

    def _rel(self, path: str | None) -> str | None:
        if path is None:
            return None
        if path.startswith("/proc/self/fd/"):
            path = os.readlink(path)
        if self.root and (path == self.root or path.startswith(self.root + "/")):
            return "/" + path[len(self.root):].lstrip("/")
        return path

    def _rec(self, op: str, *args: object) -> None:
        self.calls.append(Call(op, args))

    def mount(self, source, target, fstype, flags=0, data=None):  # type: ignore[override]
        self._rec("mount", source if source is None or not source.startswith("/") else self._rel(source),
                  self._rel(target), fstype, flags, data)

    def umount2(self, target, flags=0):  # type: ignore[override]
        self._rec("umount2", target, flags)

    def pivot_root(self, new_root, put_old):  # type: ignore[override]
        self._rec("pivot_root", new_root, put_old)

    def chdir(self, path):  # type: ignore[override]
        self._rec("chdir", self._rel(path))

    def mknod(self, path, mode, major, minor):  # type: ignore[override]
        self._rec("mknod", self._rel(path), mode, major, minor)

    def make_device(self, path, kind, major, minor, mode, uid, gid):  # type: ignore[override]
        self._rec("make_device", self._rel(path), kind, major, minor, mode, uid, gid)

    def symlink(self, target, path):  # type: ignore[override]
        self._rec("symlink", target, self._rel(path))
        if os.path.isdir(os.path.dirname(path)):
            os.symlink(target, path)

    def write_file(self, path, data):  # type: ignore[override]
        self._rec("write_file", self._rel(path), data)

    def mkdir(self, path, mode=0o755):  # type: ignore[override]
        self._rec("mkdir", self._rel(path))
        os.makedirs(path, exist_ok=True)

    def mounts(self) -> list[tuple]:
        """(target, fstype or 'bind'/'remount'/'propagation', flags, data) for every mount call, in order."""
        return [c.args[1:] for c in self.calls if c.op == "mount"]

    def mount_targets(self) -> list[str]:
        return [c.args[1] for c in self.calls if c.op == "mount"]
