"""The pty of a ``tty`` container under a monitor: the monitor reads the master (output logged as stdout), a
holder keeps a duplicate so that a killed monitor loses nothing; a new monitor takes the master back.

A pty master cannot be reopened through ``/proc/<holder>/fd/N`` (that opens a new pty), so it is duplicated out of
the holder with pidfd_getfd(2). Each run of the container has its own pty (its own devpts), and its own holder.
"""

from __future__ import annotations

import errno
import os

from runtime.supervise.holder import is_holder, release, spawn_holder

READ = 65536


def hold(master: int) -> tuple[int, dict]:
    """Keep ``master`` (non-blocking from now on) in a new holder; returns it and the holder's state record."""
    os.set_blocking(master, False)
    pid, slots = spawn_holder({"console": master})
    return master, {"pid": pid, "slot": slots["console"]}


def reclaim(holder: dict | None) -> int | None:
    """The master a live console holder keeps (a new descriptor of the same pty), or None if it is gone."""
    pid, slot = (holder or {}).get("pid"), (holder or {}).get("slot")
    if not pid or slot is None or not is_holder(pid):
        return None
    from runtime.linux.syscalls import (
        Syscalls,  # ctypes: loaded only by a monitor that adopts a tty container
    )

    try:
        fd = Syscalls().pidfd_getfd(pid, slot)
    except OSError:
        return None
    os.set_blocking(fd, False)
    return fd


def read(master: int) -> bytes | None:
    """What the pty has now: data, b"" when nothing is waiting, None once it hung up (every slave closed)."""
    try:
        return os.read(master, READ) or None
    except BlockingIOError:
        return b""
    except OSError as exc:
        if exc.errno == errno.EIO:
            return None
        raise


def drop(master: int | None, holder: dict | None) -> None:
    """Close the monitor's master and end its holder (the pty goes with the last descriptor)."""
    if master is not None:
        os.close(master)
    if holder and holder.get("pid"):
        release(holder["pid"])
        try:
            os.waitpid(holder["pid"], 0)  # reap it if it is our child (SIGKILLed: quick)
        except ChildProcessError:
            pass
