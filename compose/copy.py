"""``dockyard cp``: files between the host and a container, running or not, under the root the runtime gives
(``Runtime.with_container_fs``: ``/proc/<pid>/root`` while it runs, its filesystem mounted aside when stopped).

Paths inside the container are resolved component by component under the container's root, following symlinks
the way the container would see them (an absolute link restarts at the container's root, ``..`` never climbs
above it), so a link planted in the container cannot point the copy at the host's files.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from compose.errors import ComposeError

MAX_LINKS = 40


@dataclass(frozen=True)
class CopyTarget:
    """One side of ``cp``: ``container`` (a name, id or service; None for the host) and a path."""

    container: str | None
    path: str


def parse_target(text: str) -> CopyTarget:
    """``NAME:PATH`` names a container; a path with no colon, or starting with ``/`` or ``.``, is the host's."""
    name, sep, path = text.partition(":")
    if not sep or text.startswith(("/", ".")) or not name:
        return CopyTarget(None, text)
    return CopyTarget(name, path or "/")


def resolve(root: Path, path: str, *, follow_last: bool = True) -> Path:
    """``path`` inside ``root`` with every symlink resolved inside ``root`` (securejoin); the result is a host
    path under ``root`` that need not exist (its missing tail is kept as given)."""
    todo = [p for p in path.split("/") if p not in ("", ".")]
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = root.joinpath(*done, part)
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            return root.joinpath(*done, part, *todo)
        if stat.S_ISLNK(info.st_mode) and (todo or follow_last):
            links += 1
            if links > MAX_LINKS:
                raise ComposeError(f"cp: too many symbolic links resolving {path!r}", hint="check the path")
            target = os.readlink(candidate)
            if target.startswith("/"):
                done = []
            todo = [p for p in target.split("/") if p not in ("", ".")] + todo
            continue
        done.append(part)
    return root.joinpath(*done)


def copy_out(root: Path, src: str, dest: str, stdout: IO[bytes] | None = None) -> Path | None:
    """Container ``src`` to host ``dest`` (``-``: a tar stream on ``stdout``). Returns the host path written."""
    source = resolve(root, src)
    if not os.path.lexists(source):
        raise ComposeError(f"cp: no such file or directory in the container: {src}", hint="check the path")
    if dest == "-":
        with tarfile.open(fileobj=stdout, mode="w|") as tar:
            tar.add(source, arcname=os.path.basename(src.rstrip("/")) or ".")
        return None
    return _copy(source, Path(dest), None if _contents_only(src) else os.path.basename(src.rstrip("/")) or "root")


def _contents_only(src: str) -> bool:
    """``DIR/.`` copies what is in DIR, not DIR itself (docker cp's rule)."""
    return src == "." or src.endswith("/.")


def copy_in(root: Path, src: str, dest: str) -> str:
    """Host ``src`` to container ``dest``; returns the container path written. Every path written is resolved
    inside the container's root, and a symlink in the container where a file goes is replaced, never followed."""
    source = Path(src)
    if not os.path.lexists(source):
        raise ComposeError(f"cp: no such file or directory: {src}", hint="check the path")
    into_dir = resolve(root, dest).is_dir()
    if not into_dir and not os.path.isdir(resolve(root, dest, follow_last=False).parent):
        raise ComposeError(f"cp: the directory of {dest} does not exist in the container", hint="create it first")
    inside = dest.rstrip("/") or "/"
    if into_dir and not _contents_only(src):
        inside = f"{inside.rstrip('/')}/{source.name}"
    if source.is_dir() and not source.is_symlink():
        for here, dirs, files in os.walk(source):
            rel = os.path.relpath(here, source)
            base = inside if rel == "." else f"{inside}/{rel}"
            make_dir(resolve(root, base))
            for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
                put_file(Path(here, name), resolve(root, f"{base}/{name}", follow_last=False))
    else:
        put_file(source, resolve(root, inside, follow_last=False))
    return inside


def make_dir(path: Path) -> None:
    """A directory at ``path`` (a symlink there is replaced, never followed)."""
    if os.path.islink(path):
        os.unlink(path)
    os.makedirs(path, exist_ok=True)


def put_file(source: Path, target: Path) -> None:
    """One file or symlink, written without following a symlink at ``target``."""
    if os.path.islink(target) or (os.path.lexists(target) and not os.path.isdir(target)):
        os.unlink(target)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, stat.S_IMODE(source.stat().st_mode))
    with os.fdopen(fd, "wb") as out, open(source, "rb") as inp:
        shutil.copyfileobj(inp, out)


def _copy(source: Path, target: Path, name: str | None) -> Path:
    """Container to host, as docker cp: into an existing directory keeps the source name (``name``; None: the
    contents go straight in); links stay links."""
    if target.is_dir() and name is not None:
        target = target / name
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target, follow_symlinks=False)
    return target


def copy(rt: Any, src: str, dest: str, ref_of: Any = None, stdout: IO[bytes] | None = None) -> str:
    """``cp SRC DEST`` with exactly one side ``NAME:PATH``; ``ref_of(NAME)`` maps a service to a container (the
    name itself by default). Returns the line to report on stderr."""
    source, target = parse_target(src), parse_target(dest)
    if (source.container is None) == (target.container is None):
        raise ComposeError(f"cp {src} {dest}: exactly one side must be a container path (NAME:PATH)",
                           hint="e.g. dockyard cp web:/etc/nginx/nginx.conf ./nginx.conf")
    ref = ref_of or (lambda name: name)
    if source.container is not None:
        def out(root: Path) -> str | None:
            written = copy_out(root, source.path, target.path, stdout)
            return None if written is None else str(written)

        written = rt.with_container_fs(ref(source.container), out)
        return f"Copied {src} to {written or 'stdout'}"
    inside = rt.with_container_fs(ref(target.container), lambda root: copy_in(root, source.path, target.path))
    return f"Copied {src} to {target.container}:{inside}"
