"""A container's network namespace kept as a bind-mounted nsfs file (``$DOCKYARD_RUN/netns/<id>``).

It exists before the container's process (so networks are attached before the command runs), survives the
process's restarts (same address), and can be joined by ``network_mode: container:<id>``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from runtime.errors import ContainerError, KernelError
from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls


def netns_path(run: Path, cid: str) -> Path:
    return Path(run) / "netns" / cid


def create_netns(path: Path, sys: Syscalls | None = None) -> None:
    """Create a new network namespace and pin it at ``path`` (a forked child unshares and bind-mounts it)."""
    sys = sys or Syscalls()
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_pinned(path):
        return
    path.touch()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            sys.unshare(sc.CLONE_NEWNET)
            sys.set_loopback_up()
            sys.mount("/proc/self/ns/net", str(path), None, sc.MS_BIND)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        with contextlib.suppress(OSError):
            path.unlink()
        raise ContainerError(f"create network namespace {path}: unshare or bind mount failed (are you root?)")


def is_pinned(path: Path) -> bool:
    """Is an nsfs mounted at ``path``?"""
    try:
        with open("/proc/self/mountinfo") as fh:
            target = os.path.realpath(path)
            return any(line.split()[4] == target for line in fh)
    except OSError:
        return False


def remove_netns(path: Path, sys: Syscalls | None = None) -> None:
    """Unpin and delete; the namespace itself goes once nothing uses it. Missing is fine."""
    sys = sys or Syscalls()
    while is_pinned(path):
        try:
            sys.umount2(str(path), sc.MNT_DETACH)
        except KernelError:
            break
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
