"""A container's network namespace kept as a bind-mounted nsfs file (``$DOCKYARD_RUN/netns/<id>``).

It exists before the container's process (so networks are attached before the command runs), survives the
process's restarts (same address), and can be joined by ``network_mode: container:<id>``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from runtime.errors import ContainerError, KernelError
from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls


def netns_path(run: Path, cid: str) -> Path:
    return Path(run) / "netns" / cid


def create_netns(path: Path, sys: Syscalls | None = None) -> None:
    """Create a new network namespace and pin it at ``path``.

    A short-lived thread does it: ``unshare(CLONE_NEWNET)`` moves only the calling thread (not the process) into
    the new namespace, which the thread brings ``lo`` up in and bind-mounts from ``/proc/thread-self/ns/net``
    before it ends; no process is forked and no other thread ever runs in the new namespace."""
    sys = sys or Syscalls()
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_pinned(path):
        return
    path.touch()
    failed: list[BaseException] = []

    def pin() -> None:
        try:
            sys.unshare(sc.CLONE_NEWNET)
            sys.set_loopback_up()
            sys.mount("/proc/thread-self/ns/net", str(path), None, sc.MS_BIND)
        except BaseException as exc:  # reported to the caller below
            failed.append(exc)

    worker = threading.Thread(target=pin, name="dy-netns", daemon=True)
    worker.start()
    worker.join()
    if failed:
        with contextlib.suppress(OSError):
            path.unlink()
        raise ContainerError(f"create network namespace {path}: {failed[0]} (are you root?)") from failed[0]


def is_pinned(path: Path) -> bool:
    """Is something (our nsfs) mounted at ``path``? A mount shows as a device other than its directory's."""
    try:
        return os.stat(path).st_dev != os.stat(os.path.dirname(os.path.realpath(path))).st_dev
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
