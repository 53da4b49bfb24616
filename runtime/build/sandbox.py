"""File work on an image's merged view without touching the host's mount table.

``in_mount_namespace(fn)`` forks a child that unshares its mount namespace, makes every mount private, runs
``fn`` and exits: overlay mounts made by ``fn`` vanish with the child, even if this process is killed, so a
build never leaves a mount behind. ``mount_overlay`` stacks layer dirs (lowest first) with an optional upper dir.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from runtime.build.errors import BuildError
from runtime.errors import ContainerRuntimeError
from runtime.linux import syscalls as sc
from runtime.process.launcher import default_syscalls, make_pipe, read_all
from runtime.rootfs import overlay


# The upper dir becomes a layer as it stands, so it must hold whole files and plain renames: no redirect
# xattrs for renamed dirs, no metadata-only copy-ups (whatever the kernel's module defaults are).
PLAIN_UPPER = ",redirect_dir=off,metacopy=off,index=off"


def in_mount_namespace(what: str, fn: Callable[[], None]) -> None:
    """Run ``fn`` in a forked child with a private mount namespace; raise BuildError with its failure."""
    sys = default_syscalls()
    errr, errw = make_pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(errr)
            sys.unshare(sc.CLONE_NEWNS)
            sys.mount(None, "/", None, sc.MS_REC | sc.MS_PRIVATE)
            fn()
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
            code = 1
            known = isinstance(exc, (OSError, ContainerRuntimeError))
            message = str(exc) if known else f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            try:
                os.write(errw, message.encode(errors="replace")[:60000])
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(errw)
    try:
        report = read_all(errr)
    finally:
        os.close(errr)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if report or code != 0:
        raise BuildError(f"{what}: {report.decode(errors='replace') or f'helper exited with {code}'}")


def mount_overlay(target: Path, layers: Sequence[Path], empty: Path, upper: Path | None = None,
                  work: Path | None = None) -> None:
    """Mount the layers (lowest first) at ``target``; read-only unless ``upper``/``work`` are given.

    ``empty`` (an empty directory) is added at the bottom: overlayfs needs two lower dirs without an upper dir
    and one with it, and a stage built ``FROM scratch`` has none yet.
    """
    sys = default_syscalls()
    lowers = [str(empty), *(str(p) for p in layers)]
    if upper is None:
        lower = ":".join(reversed(lowers))
        data = f"lowerdir={lower}"
        if not overlay.fits(data):
            base = overlay.common_parent(tuple(lowers))
            sys.chdir(base)
            data = "lowerdir=" + ":".join(os.path.relpath(p, base) for p in reversed(lowers))
        sys.mount("overlay", str(target), "overlay", sc.MS_RDONLY, data)
        return
    assert work is not None
    data = overlay.options(tuple(lowers), str(upper), str(work)) + PLAIN_UPPER
    if not overlay.fits(data):
        base = overlay.common_parent((*lowers, str(upper), str(work)))
        sys.chdir(base)
        data = overlay.options(tuple(lowers), str(upper), str(work), relative_to=base) + PLAIN_UPPER
    sys.mount("overlay", str(target), "overlay", 0, data)
