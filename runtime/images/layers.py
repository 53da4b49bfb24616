"""Safe extraction of OCI layer blobs (and, re-exported from ``layerwrite``, layer creation).

``unpack_layer`` writes one layer into its own directory in overlayfs form: a ``.wh.NAME`` entry becomes a 0/0
character device ``NAME``, ``.wh..wh..opq`` becomes ``trusted.overlay.opaque=y`` on its directory. Unprivileged,
the whiteout device still works on kernels >= 5.8 (0/0 devices need no CAP_MKNOD there) but ``trusted.*`` needs
CAP_SYS_ADMIN: rather than silently writing a form the mount would not honour (``user.overlay.*`` is read only by
``userxattr`` mounts), a ``LayerError`` says so and names ``apply_layer`` (flattening, needs neither) instead.
``apply_layer`` applies a layer on top of an existing merged tree: whiteouts delete, opaque markers empty the
directory of everything this layer did not itself write.

Safety: every path is split lexically inside the root (leading ``/`` stripped, ``..`` that climbs out refused) and
walked with ``openat(O_NOFOLLOW|O_DIRECTORY)`` from the root, so no symlink (planted by an earlier entry or present in
a lower tree) is ever followed, not even where docker would follow it inside the root (``bin/sh`` under a lower
``bin -> usr/bin``): such entries are refused. Hardlink targets are resolved the same way. Files are created with
``O_CREAT|O_EXCL|O_NOFOLLOW``. Device nodes are skipped and ownership is left alone when not root (rootless
docker does the same). On error ``dest`` may hold a partial layer: unpack into a temporary directory and remove it
on failure. The returned diff_id is the sha256 of the uncompressed tar stream, trailing padding included.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable

from runtime.errors import LayerError
from runtime.images import tarsafe
from runtime.images.compression import Prefetcher, decompressed_chunks
from runtime.images.layerwrite import LayerDigests, create_layer
from runtime.images.tarsafe import TarEntry

__all__ = ["LayerDigests", "apply_layer", "create_layer", "unpack_layer"]

_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_WH = b".wh."
_OPAQUE = b".wh..wh..opq"
_FD_CACHE = 256  # cached directory fds kept between entries
_CACHE_DEPTH = 64  # intermediates deeper than this are not cached (a 2000-component path opens few fds)
_OVERLAY_XATTRS = ("trusted.overlay.", "user.overlay.")

Parts = tuple[bytes, ...]


def unpack_layer(src: Path | BinaryIO, dest: Path, *, media_type: str | None = None) -> str:
    """Extract a layer blob into its own directory ``dest`` (overlayfs whiteout form); return its diff_id."""
    return _run(src, dest, media_type, overlay=True)


def apply_layer(src: Path | BinaryIO, dest: Path, *, media_type: str | None = None,
                resolve_symlinks: bool = False) -> str:
    """Apply a layer blob on top of the merged tree ``dest`` (whiteouts delete); return its diff_id.

    By default an entry below a symlinked directory is refused. With ``resolve_symlinks`` such symlinks are resolved
    inside ``dest`` as if it were ``/`` (absolute targets from ``dest``, ``..`` stops at ``dest``), as docker's
    chrooted extraction does; e.g. ``bin/sh`` lands in ``usr/bin/sh`` under ``bin -> usr/bin``. Nothing is ever
    resolved outside ``dest``, and the writes themselves still never follow a symlink.
    """
    return _run(src, dest, media_type, overlay=False, resolve=resolve_symlinks)


def _run(src: Path | BinaryIO, dest: Path, media_type: str | None, *, overlay: bool, resolve: bool = False) -> str:
    if isinstance(src, (str, os.PathLike)):
        try:
            fh: BinaryIO = open(src, "rb", buffering=0)
        except OSError as exc:
            raise LayerError(f"unpack layer: cannot open blob {src}: {exc.strerror}") from exc
        with fh:
            return _run(fh, dest, media_type, overlay=overlay, resolve=resolve)
    try:
        os.makedirs(dest, exist_ok=True)
        root_fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise LayerError(f"unpack layer: cannot open destination {dest}: {exc.strerror}") from exc
    hasher = hashlib.sha256()
    chunks = Prefetcher(decompressed_chunks(src, media_type), hasher.update)
    reader = tarsafe.HashingReader(chunks, hasher)
    extractor = _Extractor(root_fd, overlay=overlay, resolve=resolve)
    try:
        for entry in tarsafe.iter_entries(reader):
            extractor.add(entry, reader)
        extractor.finish()
        return reader.finish()
    except OSError as exc:  # reading the blob, or setting directory metadata at the end
        raise LayerError(f"unpack layer into {dest}: {exc}") from exc
    finally:
        extractor.close()
        chunks.close()


class _Tree:
    """Directory fds below the root, opened one component at a time, never through a symlink."""

    def __init__(self, root_fd: int) -> None:
        self._fds: dict[Parts, int] = {(): root_fd}
        self.root_fd = root_fd

    def dir_fd(self, parts: Parts, *, create: bool = True) -> int | None:
        """The fd of directory ``parts``; missing ones are made (0755) or, without ``create``, give None.

        The fd stays valid until the next ``trim()``; fds of very deep intermediates are closed straight away.
        """
        fd = self._fds.get(parts)
        if fd is not None:
            return fd
        depth = len(parts) - 1
        while parts[:depth] not in self._fds:
            depth -= 1
        fd = self._fds[parts[:depth]]
        for i in range(depth, len(parts)):
            try:
                child = self._open_child(fd, parts[: i + 1], create)
            finally:
                if i > _CACHE_DEPTH and i > depth:
                    os.close(fd)  # an uncached deep intermediate
            if child is None:
                return None
            fd = child
            if i < _CACHE_DEPTH or i == len(parts) - 1:
                self._fds[parts[: i + 1]] = fd
        return fd

    def resolve(self, parts: Parts) -> Parts:
        """``parts`` with each symlinked directory on the way replaced by its target, resolved inside the root."""
        hops, i = 0, 0
        while i < len(parts):
            if parts[: i + 1] in self._fds:  # a real directory, opened without following anything
                i += 1
                continue
            parent = self.dir_fd(parts[:i], create=False)
            if parent is None:
                return parts  # missing: made as real directories later
            try:
                st = os.stat(parts[i], dir_fd=parent, follow_symlinks=False)
            except FileNotFoundError:
                return parts
            if not stat.S_ISLNK(st.st_mode):
                i += 1
                continue
            hops += 1
            if hops > 40:
                raise LayerError(f"unpack layer: too many levels of symlinks under {b'/'.join(parts)!r}")
            link = os.readlink(parts[i], dir_fd=parent)
            parts = tarsafe.join_in_root(() if link.startswith(b"/") else parts[:i], link) + parts[i + 1:]
            i = 0
        return parts

    def trim(self) -> None:
        """Bound the number of open fds; called between entries, never while an fd is in use."""
        if len(self._fds) > _FD_CACHE:
            self.forget(())

    def _open_child(self, parent: int, parts: Parts, create: bool) -> int | None:
        name = parts[-1]
        try:
            fd = os.open(name, tarsafe.DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                return None
            os.mkdir(name, 0o755, dir_fd=parent)
            fd = os.open(name, tarsafe.DIR_FLAGS, dir_fd=parent)
            os.fchmod(fd, 0o755)  # whatever the umask, as docker makes missing parents
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            what = "a symlink" if _is_symlink(parent, name) else "not a directory"
            raise LayerError(
                f"unpack layer: path {b'/'.join(parts)!r} is {what}; entries may not be written through it"
            ) from None
        return fd

    def forget(self, prefix: Parts) -> None:
        """Close cached fds at or below ``prefix`` (it was removed or replaced); the root is kept."""
        n = len(prefix)
        for key in [k for k in self._fds if k[:n] == prefix and k]:
            os.close(self._fds.pop(key))

    def close(self) -> None:
        self.forget(())
        os.close(self.root_fd)


def _is_symlink(parent: int, name: bytes) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


class _Extractor:
    """Applies entries one by one; directory modes and times are set at the end (after their contents)."""

    def __init__(self, root_fd: int, *, overlay: bool, resolve: bool = False) -> None:
        self.tree = _Tree(root_fd)
        self.overlay = overlay
        self.resolve = resolve
        self.is_root = os.geteuid() == 0
        self.dirs: dict[Parts, TarEntry] = {}
        self.written: set[Parts] = set()

    def add(self, entry: TarEntry, reader: tarsafe.HashingReader) -> None:
        parts = tarsafe.split_path(entry.name)
        self.tree.trim()
        try:
            if self.resolve and len(parts) > 1:
                parts = self.tree.resolve(parts[:-1]) + parts[-1:]
            if parts and parts[-1].startswith(_WH):
                self._whiteout(parts)
            elif entry.kind == tarsafe.DIR:
                self._dir(parts, entry)
            elif not parts:
                raise LayerError(f"unpack layer: entry {entry.name!r} ({entry.kind}) would replace the layer root")
            else:
                self._other(parts, entry, reader)
        except OSError as exc:
            raise LayerError(
                f"unpack layer: entry {entry.name[:200]!r}: {exc.strerror or exc} (errno {exc.errno})"
            ) from exc

    def _other(self, parts: Parts, entry: TarEntry, reader: tarsafe.HashingReader) -> None:
        parent = self._parent(parts)
        name = parts[-1]
        self._mark(parts)
        if entry.kind == tarsafe.FILE:
            fd = self._replace(parent, parts, lambda: os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent))
            try:
                reader.copy_to(fd, entry.size, f"file {entry.name[:200]!r}")
                self._meta_fd(fd, entry)
            finally:
                os.close(fd)
        elif entry.kind == tarsafe.SYMLINK:
            self._replace(parent, parts, lambda: os.symlink(entry.linkname, name, dir_fd=parent))
            self._meta_path(parent, name, entry, chmod=False)
        elif entry.kind == tarsafe.HARDLINK:
            self._hardlink(parent, parts, entry)
        elif entry.kind == tarsafe.FIFO or self.is_root:
            fmt = {tarsafe.FIFO: stat.S_IFIFO, tarsafe.CHAR: stat.S_IFCHR, tarsafe.BLOCKDEV: stat.S_IFBLK}
            dev = os.makedev(entry.devmajor, entry.devminor)
            mode = fmt[entry.kind] | 0o600
            self._replace(parent, parts, lambda: os.mknod(name, mode, dev, dir_fd=parent))
            self._meta_path(parent, name, entry, chmod=True)

    def _mark(self, parts: Parts) -> None:
        """Remember (in apply mode) that this layer wrote ``parts`` and, implicitly, its parents."""
        if self.overlay:
            return
        for i in range(len(parts), 0, -1):
            if parts[:i] in self.written:
                break
            self.written.add(parts[:i])

    def _parent(self, parts: Parts) -> int:
        fd = self.tree.dir_fd(parts[:-1])
        assert fd is not None
        return fd

    def _replace(self, parent: int, parts: Parts, create: Callable[[], object]) -> object:
        """Create a non-directory, replacing whatever is there (a directory is removed with its contents)."""
        try:
            return create()
        except FileExistsError:
            self._remove(parent, parts)
            return create()

    def _remove(self, parent: int, parts: Parts) -> None:
        name = parts[-1]
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            self.tree.forget(parts)
            tarsafe.rmtree_at(parent, name)
        else:
            os.unlink(name, dir_fd=parent)

    def _hardlink(self, parent: int, parts: Parts, entry: TarEntry) -> None:
        target = tarsafe.split_path(entry.linkname)
        if not target:
            raise LayerError(f"unpack layer: hardlink {entry.name!r} points at the layer root")
        if self.resolve and len(target) > 1:
            target = self.tree.resolve(target[:-1]) + target[-1:]
        if target == parts:
            return
        if target[: len(parts)] == parts:
            raise LayerError(f"unpack layer: hardlink {entry.name!r} -> {entry.linkname!r} would replace its target")
        tparent = self.tree.dir_fd(target[:-1], create=False)
        if tparent is None or not os.path.lexists(tarsafe.proc_path(tparent, target[-1])):
            raise LayerError(
                f"unpack layer: hardlink {entry.name!r} -> {entry.linkname!r}: target is not in the layer"
            )
        self._replace(parent, parts, lambda: os.link(
            target[-1], parts[-1], src_dir_fd=tparent, dst_dir_fd=parent, follow_symlinks=False))

    def _dir(self, parts: Parts, entry: TarEntry) -> None:
        if parts:
            parent = self._parent(parts)
            try:
                os.mkdir(parts[-1], 0o700, dir_fd=parent)
            except FileExistsError:
                if not stat.S_ISDIR(os.stat(parts[-1], dir_fd=parent, follow_symlinks=False).st_mode):
                    self._remove(parent, parts)
                    os.mkdir(parts[-1], 0o700, dir_fd=parent)
            self._mark(parts)
        fd = self.tree.dir_fd(parts)
        assert fd is not None
        if self.is_root:
            os.chown(fd, entry.uid, entry.gid)
        self._xattrs(fd, entry)
        self.dirs[parts] = entry

    def _whiteout(self, parts: Parts) -> None:
        base = parts[-1]
        if base == _OPAQUE:
            return self._opaque(parts[:-1])
        victim = base[len(_WH):]
        if base.startswith(_WH + _WH) or victim in (b"", b".", b".."):
            raise LayerError(f"unpack layer: invalid whiteout name {b'/'.join(parts)!r}")
        target = parts[:-1] + (victim,)
        if self.overlay:
            parent = self._parent(target)
            try:
                self._replace(parent, target, lambda: os.mknod(victim, stat.S_IFCHR, 0, dir_fd=parent))
            except PermissionError:
                raise LayerError(
                    f"unpack layer: whiteout {b'/'.join(target)!r} needs a 0/0 character device and mknod was "
                    "refused (needs root/CAP_MKNOD); run as root or flatten with apply_layer"
                ) from None
            return
        parent = self.tree.dir_fd(parts[:-1], create=False)
        if parent is not None:
            self._remove(parent, target)

    def _opaque(self, parts: Parts) -> None:
        fd = self.tree.dir_fd(parts)
        assert fd is not None
        if self.overlay:
            try:
                os.setxattr(fd, "trusted.overlay.opaque", b"y")
            except PermissionError:
                raise LayerError(
                    f"unpack layer: opaque directory {b'/'.join(parts)!r} needs xattr trusted.overlay.opaque and "
                    "it was refused (needs root/CAP_SYS_ADMIN); run as root or flatten with apply_layer"
                ) from None
            return
        self._clear(fd, parts)

    def _clear(self, fd: int, parts: Parts) -> None:
        """Remove everything below ``parts`` that this layer did not write itself."""
        for name in os.listdir(fd):
            child = parts + (os.fsencode(name),)
            if child not in self.written:
                self._remove(fd, child)
            elif stat.S_ISDIR(os.stat(child[-1], dir_fd=fd, follow_symlinks=False).st_mode):
                sub = self.tree.dir_fd(child, create=False)
                if sub is not None:
                    self._clear(sub, child)

    def _meta_fd(self, fd: int, entry: TarEntry) -> None:
        if self.is_root:
            os.fchown(fd, entry.uid, entry.gid)
        os.fchmod(fd, entry.mode)
        if entry.xattrs:
            self._xattrs(fd, entry)
        os.utime(fd, ns=(entry.atime_ns or entry.mtime_ns, entry.mtime_ns))

    def _meta_path(self, parent: int, name: bytes, entry: TarEntry, *, chmod: bool) -> None:
        if self.is_root:
            os.chown(name, entry.uid, entry.gid, dir_fd=parent, follow_symlinks=False)
        if chmod:  # not a symlink: just created by us in a directory only we write
            os.chmod(name, entry.mode, dir_fd=parent)
        if entry.xattrs:
            self._xattrs(tarsafe.proc_path(parent, name), entry)
        os.utime(name, ns=(entry.atime_ns or entry.mtime_ns, entry.mtime_ns), dir_fd=parent, follow_symlinks=False)

    def _xattrs(self, target: int | bytes, entry: TarEntry) -> None:
        for key, value in entry.xattrs:
            if key.startswith(_OVERLAY_XATTRS):
                raise LayerError(f"unpack layer: entry {entry.name!r} carries overlay-internal xattr {key}")
            try:
                if isinstance(target, int):
                    os.setxattr(target, key, value)
                else:
                    os.setxattr(target, key, value, follow_symlinks=False)
            except OSError as exc:
                if exc.errno not in (errno.ENOTSUP, errno.EPERM):  # as docker: not every fs or user can
                    raise

    def finish(self) -> None:
        """Directory modes and times, deepest first, now that nothing more is written into them."""
        for parts in sorted(self.dirs, key=len, reverse=True):
            entry = self.dirs[parts]
            self.tree.trim()
            try:
                fd = self.tree.dir_fd(parts, create=False)
            except LayerError:
                continue  # replaced by a symlink or file later in the layer
            if fd is not None:
                os.fchmod(fd, entry.mode)
                os.utime(fd, ns=(entry.atime_ns or entry.mtime_ns, entry.mtime_ns))

    def close(self) -> None:
        self.tree.close()
