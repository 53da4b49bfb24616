"""``dockyard export``: a service container's filesystem as a tar archive, as ``docker compose export`` writes it.

The archive holds the container's own filesystem (its image layers and what it wrote), not what is mounted on it:
the contents of volumes, binds, /proc, /sys and /dev, and the /etc files the runtime binds in, are left out, as
Docker leaves them out. A mount shows as a device other than the root's (the root is one overlay, whose objects all
carry its device): a directory on another device is archived as an empty directory (the mount point) and nothing
below it is read; a file on another device (a bound file) is skipped. Links are archived as links,
never followed; owners are kept as numbers (the host's user names mean nothing for the container's files).
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import IO, Any

from compose.errors import ComposeError


def export(rt: Any, ref: str, output: str | None, stdout: IO[bytes]) -> int:
    """Write the filesystem of container ``ref`` (running or stopped) to ``output`` (a host path) or to
    ``stdout``; returns how many entries the archive has."""
    if output is None and stdout.isatty():
        raise ComposeError("export: refusing to write a tar archive to a terminal",
                           hint="give -o FILE or redirect the output")
    target = None if output is None else os.path.abspath(output)

    def write(root: Path) -> int:
        if target is None:
            count = archive(root, stdout)
            stdout.flush()
            return count
        with open(target, "wb") as out:
            return archive(root, out)

    return int(rt.with_container_fs(ref, write))


def archive(root: Path, out: IO[bytes]) -> int:
    """Stream the tree at ``root`` (on one device; see the module's doc) into ``out`` as an uncompressed tar."""
    device = os.stat(root).st_dev  # followed: a running container's root is the /proc/<pid>/root link
    count = 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for path, name in _walk(Path(root), device):
            info = tar.gettarinfo(str(path), arcname=name)
            if info is None:  # a socket: tar has no entry for it
                continue
            info.uname = info.gname = ""
            if info.isreg():  # opened without following a link the container may have put there since
                with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
            count += 1
    return count


def _walk(root: Path, device: int):  # noqa: ANN202 - yields (path, archive name)
    """Every entry under ``root`` on ``device`` in name order, each directory followed by its contents (as
    ``tar -c`` lists them)."""
    stack = [iter(_listing(root, ""))]
    while stack:
        entry_prefix = next(stack[-1], None)
        if entry_prefix is None:
            stack.pop()
            continue
        entry, prefix = entry_prefix
        name = f"{prefix}{entry.name}"
        is_dir = entry.is_dir(follow_symlinks=False)
        if entry.stat(follow_symlinks=False).st_dev != device:  # a mount (volume, bind, /proc): not the container's
            if is_dir:
                yield Path(entry.path), name  # the mount point is the container's: an empty directory
            continue
        yield Path(entry.path), name
        if is_dir:
            stack.append(iter(_listing(Path(entry.path), f"{name}/")))


def _listing(directory: Path, prefix: str) -> list:
    try:
        return [(e, prefix) for e in sorted(os.scandir(directory), key=lambda e: e.name)]
    except OSError as exc:
        raise ComposeError(f"export: read /{prefix}: {exc.strerror}", hint="check the container") from exc
