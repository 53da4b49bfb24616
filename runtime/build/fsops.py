"""COPY, ADD and WORKDIR on a mounted merged view, with Docker's rules. Runs inside the mount-namespace child.

Every destination path is resolved inside the image root (symlinks followed as if the root were ``/``, never
outside it). Rules: a destination ending in ``/`` (or an existing directory) receives a source file under its
own name, otherwise the file becomes the destination; a source directory's contents (not the directory itself)
are copied; missing parent directories are created 0755 (owned by ``--chown`` if given); context files become
root-owned, files from a stage or image keep their owners, unless ``--chown``; ``--chmod`` applies to everything
copied; ADD extracts local tar archives (plain, gzip, zstd, bzip2, xz) into the destination directory.
"""

from __future__ import annotations

import bz2
import errno
import fnmatch
import lzma
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runtime.build.errors import BuildError
from runtime.images.buildcontext import BuildContext
from runtime.images.dockerignore import compile_patterns, read_patterns
from runtime.images.layers import apply_layer
from runtime.process.launcher import default_syscalls
from runtime.rootfs.paths import secure_join

Owner = tuple[int, int] | None  # None: keep the source's owner


@dataclass(frozen=True)
class CopyItem:
    """One thing to copy: from a context (``ctx`` + ``path``), a mounted stage/image tree (``tree`` + ``path``),
    or literal ``content`` (a heredoc) named ``path``."""

    path: str
    ctx: BuildContext | None = None
    tree: str | None = None
    content: str | None = None
    archive: bool = False


# -- ids ---------------------------------------------------------------------------------------------------
def _table(root: str, name: str) -> list[list[str]]:
    try:
        with open(secure_join(default_syscalls(), root, f"/etc/{name}"), encoding="utf-8", errors="replace") as fh:
            return [line.rstrip("\n").split(":") for line in fh if line.strip() and not line.startswith("#")]
    except OSError:
        return []


def lookup_ids(root: str, spec: str, what: str) -> tuple[int, int]:
    """``user[:group]`` (names or numbers) -> (uid, gid) using the image's /etc/passwd and /etc/group."""
    user, _, group = spec.partition(":")
    uid, gid = _id_of(root, "passwd", user, what)
    if group:
        gid = _id_of(root, "group", group, what)[0]
    return uid, gid


def _id_of(root: str, table: str, name: str, what: str) -> tuple[int, int]:
    if name.isdigit():
        if table == "passwd":  # a bare uid: its passwd entry's group, else the same number
            for row in _table(root, "passwd"):
                if len(row) > 3 and row[2] == name and row[3].isdigit():
                    return int(name), int(row[3])
        return int(name), int(name)
    for row in _table(root, table):
        if len(row) > 3 and row[0] == name and row[2].isdigit():
            return int(row[2]), int(row[3]) if table == "passwd" and row[3].isdigit() else int(row[2])
    kind = "user" if table == "passwd" else "group"
    raise BuildError(f"{what}: unknown {kind} {name!r} in the image's /etc/{table}; use a numeric id or add it")


# -- paths -------------------------------------------------------------------------------------------------
def resolve(root: str, path: str) -> str:
    return secure_join(default_syscalls(), root, path)


def make_dirs(root: str, path: str, owner: tuple[int, int] | None, mode: int = 0o755) -> str:
    """Create ``path`` (and missing parents) inside ``root``; new dirs get ``owner`` (root if None)."""
    target = resolve(root, path)
    rel = os.path.relpath(target, root)
    current = root
    for part in ([] if rel == "." else rel.split("/")):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current, mode)
            os.chmod(current, mode)
            os.lchown(current, *(owner or (0, 0)))
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise BuildError(f"cannot create directory {path}: /{os.path.relpath(current, root)} exists and is "
                             "not a directory")
    return target


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


# -- one entry ---------------------------------------------------------------------------------------------
class Writer:
    """Writes entries under a resolved destination directory, applying owner, mode; dir times set last."""

    def __init__(self, root: str, owner: Owner, chmod: int | None) -> None:
        self.root = root
        self.owner = owner
        self.chmod = chmod
        self.dir_times: list[tuple[str, int, int]] = []

    def place(self, dest: str, rel: str) -> str:
        """Host path for ``rel`` under container dir ``dest``: parents resolved in the root, the name not."""
        parent, name = os.path.split(f"{dest.rstrip('/')}/{rel}")
        return os.path.join(make_dirs(self.root, parent or "/", self.owner), name)

    def _clear(self, path: str, keep_dir: bool) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            if keep_dir:
                return
            raise BuildError(f"cannot replace directory /{os.path.relpath(path, self.root)} with a non-directory")
        os.unlink(path)

    def _finish(self, path: str, st: os.stat_result | None, *, default_mode: int, link: bool = False) -> None:
        uid, gid = self.owner or ((st.st_uid, st.st_gid) if st else (0, 0))
        os.lchown(path, uid, gid)
        if not link:
            mode = self.chmod if self.chmod is not None else (stat.S_IMODE(st.st_mode) if st else default_mode)
            os.chmod(path, mode)
        if st is not None and not link:
            os.utime(path, ns=(st.st_mtime_ns, st.st_mtime_ns))
        elif st is not None:
            os.utime(path, ns=(st.st_mtime_ns, st.st_mtime_ns), follow_symlinks=False)

    def entry(self, src: str, st: os.stat_result, path: str) -> None:
        """Copy one source entry (lstat ``st``) to host path ``path``."""
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            self._clear(path, keep_dir=True)
            if not _is_dir(path):
                os.mkdir(path, 0o755)
            self._finish(path, st, default_mode=0o755)
            self.dir_times.append((path, st.st_mtime_ns, st.st_mtime_ns))
        elif stat.S_ISLNK(mode):
            self._clear(path, keep_dir=False)
            os.symlink(os.readlink(src), path)
            self._finish(path, st, default_mode=0o777, link=True)
        elif stat.S_ISREG(mode):
            self._clear(path, keep_dir=False)
            _copy_file(src, path)
            self._finish(path, st, default_mode=0o644)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
            self._clear(path, keep_dir=False)
            os.mknod(path, mode, st.st_rdev)
            self._finish(path, st, default_mode=0o644)

    def content(self, text: str, path: str) -> None:
        self._clear(path, keep_dir=False)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
        self._finish(path, None, default_mode=0o644)

    def close(self) -> None:
        for path, atime, mtime in reversed(self.dir_times):
            os.utime(path, ns=(atime, mtime))


def _copy_file(src: str, dst: str) -> None:
    fin = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            size = os.fstat(fin).st_size
            copied = 0
            while copied < size:
                n = os.copy_file_range(fin, fout, size - copied) if size else 0
                if n == 0:
                    break
                copied += n
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            os.lseek(fin, 0, os.SEEK_SET)
            os.ftruncate(fout, 0)
            os.lseek(fout, 0, os.SEEK_SET)
            while chunk := os.read(fin, 1 << 20):
                os.write(fout, chunk)
        finally:
            os.close(fout)
    finally:
        os.close(fin)


# -- sources -----------------------------------------------------------------------------------------------
def tree_matches(tree: str, path: str) -> list[str]:
    """Container paths in a mounted stage/image tree that ``path`` names (wildcards per segment)."""
    if not any(ch in path for ch in "*?["):
        return [path]
    found = ["/"]
    for segment in [p for p in path.split("/") if p]:
        step = []
        for base in found:
            host = resolve(tree, base)
            try:
                names = sorted(os.listdir(host))
            except (NotADirectoryError, FileNotFoundError):
                continue
            step += [f"{base.rstrip('/')}/{n}" for n in names if fnmatch.fnmatchcase(n, segment)]
        found = step
    return found


def tree_entries(tree: str, path: str, excludes: tuple[str, ...]) -> Iterator[tuple[str, str, os.stat_result]]:
    """(name relative to what is copied, host path, lstat) for a source in a mounted tree (its top followed)."""
    host = resolve(tree, path)
    try:
        st = os.stat(host) if os.path.islink(host) else os.lstat(host)
    except FileNotFoundError:
        raise BuildError(f"{path}: not found in the source stage or image; check the path") from None
    if not stat.S_ISDIR(st.st_mode):
        yield os.path.basename(path.rstrip("/")) or "file", host, st
        return
    matcher = compile_patterns(read_patterns("\n".join(excludes)), "--exclude") if excludes else None
    for dirpath, dirs, files in os.walk(host):
        dirs.sort()
        rel_dir = os.path.relpath(dirpath, host)
        for name in sorted(dirs + files):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if matcher is not None and matcher.ignored(rel):
                if name in dirs:
                    dirs.remove(name)
                continue
            yield rel, os.path.join(dirpath, name), os.lstat(os.path.join(dirpath, name))


def copy_items(root: str, items: list[CopyItem], dest: str, owner: Owner, chmod: int | None,
               excludes: tuple[str, ...] = ()) -> None:
    """Copy every item to container path ``dest`` inside the merged ``root`` with COPY/ADD's rules."""
    writer = Writer(root, owner, chmod)
    dest_dir = dest.endswith("/")
    for item in items:
        if item.content is not None:
            target = f"{dest}{item.path}" if dest_dir or _is_dir(resolve(root, dest)) else dest
            writer.content(item.content, writer.place("/", target))
        elif item.archive:
            _extract(root, item, dest, owner)
        else:
            _copy_tree(root, writer, item, dest, dest_dir, excludes)
    writer.close()


def _copy_tree(root: str, writer: Writer, item: CopyItem, dest: str, dest_dir: bool,
               excludes: tuple[str, ...]) -> None:
    if item.ctx is not None:
        matcher = compile_patterns(read_patterns("\n".join(excludes)), "--exclude") if excludes else None
        entries = ((name, str(path), st) for name, path, st in item.ctx.entries(item.path, matcher))
        top = item.ctx.root / item.path if item.path != "." else item.ctx.root
        is_dir = top.is_dir()
    else:
        assert item.tree is not None
        entries = tree_entries(item.tree, item.path, excludes)
        is_dir = _is_dir(os.path.realpath(resolve(item.tree, item.path)))
    if is_dir:
        make_dirs(root, dest, writer.owner)
        for name, src, st in entries:
            writer.entry(src, st, writer.place(dest, name))
        return
    for name, src, st in entries:
        into = dest_dir or _is_dir(os.path.realpath(resolve(root, dest)))
        path = writer.place(dest, name) if into else writer.place("/", dest)
        writer.entry(src, st, path)


def _extract(root: str, item: CopyItem, dest: str, owner: Owner) -> None:
    assert item.ctx is not None
    target = Path(make_dirs(root, dest, owner))
    source = item.ctx.root / item.path
    with open(source, "rb") as fh:
        head = fh.read(6)
    opener = bz2.open if head.startswith(b"BZh") else lzma.open if head.startswith(b"\xfd7zXZ") else None
    if opener is None:
        apply_layer(source, target, resolve_symlinks=True)
        return
    with opener(source, "rb") as stream:
        apply_layer(stream, target, resolve_symlinks=True)  # type: ignore[arg-type]
