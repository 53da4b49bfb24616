"""A stopped container's filesystem, for copying into or out of it (``dockyard cp``, as ``docker cp`` allows).

A forked process makes a mount namespace of its own, mounts there what the container sees (its image layers under
its own writable layer, then its volume and bind mounts, read-write or read-only as the container has them) at the
container's usual mount point, and calls ``fn(root)``. It ends with ``fn``, and with it the namespace and every
mount in it: nothing stays mounted on the host, even if the command is killed. ``fn``'s value (JSON) or its
exception (pickled) comes back through a pipe.

While the copy runs, a start of the same container fails (its writable layer is in use); the window is the copy's.
"""

from __future__ import annotations

import json
import os
import sys as _sys
from collections.abc import Callable
from pathlib import Path

from runtime.errors import ContainerError, ContainerRuntimeError
from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls
from runtime.rootfs import overlay, setup
from runtime.spec import ContainerSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_OK, _FAILED = b"o", b"e"


def with_rootfs(spec: ContainerSpec, fn: Callable[[Path], Any]) -> Any:
    """``fn(root)`` in a forked process with ``spec``'s filesystem mounted at ``root``; its value or exception."""
    for stream in (_sys.stdout, _sys.stderr):  # the child must not write our buffered output a second time
        stream.flush()
    r, w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's frames
        status = 1
        try:
            os.close(r)
            _serve(spec, fn, w)
            status = 0
        finally:
            for stream in (_sys.stdout, _sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(status)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return _outcome(b"".join(chunks), spec, os.waitstatus_to_exitcode(status))


def _serve(spec: ContainerSpec, fn: Callable[[Path], Any], out: int) -> None:
    try:
        root = _mount(spec)
        data = _OK + json.dumps(fn(Path(root))).encode()
    except BaseException as exc:  # the parent raises it
        data = _FAILED + _pickled(exc)
    view = memoryview(data)
    while view:
        view = view[os.write(out, view):]


def _mount(spec: ContainerSpec) -> str:
    """The container's filesystem in a new, private mount namespace; returns its root."""
    sys = Syscalls()
    cdir = spec.rootfs.container_dir
    for sub in ("upper", "work", "rootfs"):  # a container created but never started has none yet
        os.makedirs(os.path.join(cdir, sub), exist_ok=True)
    try:
        sys.unshare(sc.CLONE_NEWNS)
        setup.make_private(sys)
        plan = setup.RootfsPlan(spec, (), overlay.layer_safe_flags())
        setup.mount_overlay(sys, plan)
        mounts = [m for m in spec.mounts if m.kind in ("bind", "volume") and m.source]
        for mount in sorted(mounts, key=lambda m: len([p for p in m.destination.split("/") if p])):
            setup.mount_user(sys, plan.root, mount)
    except ContainerRuntimeError as exc:
        raise ContainerError(f"copy: container {spec.short_id}: mounting its filesystem: {exc}; if it is "
                             "starting, try again once it runs") from exc
    return plan.root


def _pickled(exc: BaseException) -> bytes:
    import pickle

    try:
        data = pickle.dumps(exc)
        pickle.loads(data)  # some exceptions rebuild from their arguments only
        return data
    except Exception:  # noqa: BLE001 - its type and message survive
        return pickle.dumps(ContainerRuntimeError(f"{type(exc).__name__}: {exc}"))


def _outcome(data: bytes, spec: ContainerSpec, code: int) -> Any:
    if data[:1] == _OK:
        return json.loads(data[1:])
    if data[:1] == _FAILED:
        import pickle

        raise pickle.loads(data[1:])
    raise ContainerError(f"copy: container {spec.short_id}: the process copying ended with status {code}")
