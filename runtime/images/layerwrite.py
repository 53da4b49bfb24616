"""Writing layer blobs: a whole directory, an overlay upper dir, or the difference between two trees.

Output is deterministic: entries in byte order of their names (a directory before its contents), numeric ids only
(no user/group names), whole-second mtimes (or one fixed ``mtime``), gzip with a zero header time. Overlay markers
found in ``src_dir`` (0/0 character devices and ``*.overlay.opaque=y``) become ``.wh.NAME`` / ``.wh..wh..opq``
entries, so an upper dir is turned into a layer as it stands.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from runtime.errors import LayerError
from runtime.images.compression import CHUNK, compressor, media_type_for

_OVERLAY_XATTRS = ("trusted.overlay.", "user.overlay.")
_OPAQUE_KEYS = ("trusted.overlay.opaque", "user.overlay.opaque")
_TYPEFLAG = {stat.S_IFREG: b"0", stat.S_IFLNK: b"2", stat.S_IFCHR: b"3", stat.S_IFBLK: b"4",
             stat.S_IFDIR: b"5", stat.S_IFIFO: b"6"}


@dataclass(frozen=True)
class LayerDigests:
    """What a written layer is known by: blob digest and size, uncompressed diff_id, media type."""

    digest: str
    diff_id: str
    size: int
    media_type: str


def create_layer(src_dir: Path, out: Path, *, compression: str = "gzip", base: Path | None = None,
                 mtime: int | None = None, level: int | None = None) -> LayerDigests:
    """Write ``src_dir`` (or, with ``base``, its changes relative to ``base``) as a layer blob at ``out``.

    ``compression`` is "gzip", "zstd" or "none"; ``mtime`` (seconds) replaces every entry's mtime.
    The blob is written to a temporary name beside ``out`` and renamed into place when complete.
    """
    media_type = media_type_for(compression)
    if not os.path.isdir(src_dir) or (base is not None and not os.path.isdir(base)):
        raise LayerError(f"create layer: {src_dir if not os.path.isdir(src_dir) else base} is not a directory")
    tmp = Path(f"{out}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            sink = _Sink(fh, compression, level)
            walker = _Walker(os.fsencode(src_dir), mtime)
            entries = walker.diff(b"", os.fsencode(base)) if base is not None else walker.tree(b"")
            for rel in entries:
                walker.emit(rel, sink)
            sink.write(bytes(1024))
            digest, diff_id, size = sink.close()
        os.replace(tmp, out)
    except OSError as exc:
        raise LayerError(f"create layer from {src_dir}: {exc.filename or ''}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return LayerDigests(digest=digest, diff_id=diff_id, size=size, media_type=media_type)


class _Sink:
    """Hashes the tar stream (diff_id), compresses it, hashes and counts the blob; buffers small writes."""

    def __init__(self, fh: BinaryIO, compression: str, level: int | None) -> None:
        self._fh = fh
        self._comp = compressor(compression, level)
        self._tar = hashlib.sha256()
        self._blob = hashlib.sha256()
        self._size = 0
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._flush()

    def _flush(self, data: bytes | None = b"") -> None:
        chunk = bytes(self._buf)
        self._buf.clear()
        self._tar.update(chunk)
        out = self._comp(chunk) + (self._comp(None) if data is None else b"")
        self._blob.update(out)
        self._fh.write(out)
        self._size += len(out)

    def close(self) -> tuple[str, str, int]:
        self._flush(None)
        return "sha256:" + self._blob.hexdigest(), "sha256:" + self._tar.hexdigest(), self._size


class _Walker:
    """Yields relative names (bytes) in archive order and writes each one's header and content."""

    def __init__(self, root: bytes, mtime: int | None) -> None:
        self.root = root
        self.mtime = mtime
        self.links: dict[tuple[int, int], bytes] = {}

    def tree(self, rel: bytes) -> Iterator[bytes]:
        for name in sorted(os.listdir(self.root + b"/" + rel if rel else self.root)):
            child = rel + b"/" + name if rel else name
            yield child
            if stat.S_ISDIR(os.lstat(self.root + b"/" + child).st_mode):
                yield from self.tree(child)

    def diff(self, rel: bytes, base_root: bytes) -> Iterator[bytes]:
        """Names under ``rel`` that differ from ``base_root``; ``.wh.`` names for those only in the base."""
        here = self.root + b"/" + rel if rel else self.root
        there = base_root + b"/" + rel if rel else base_root
        new, old = set(os.listdir(here)), set(os.listdir(there))
        for name in sorted(new | old):
            child = rel + b"/" + name if rel else name
            if name not in new:
                yield (rel + b"/" if rel else b"") + b".wh." + name
                continue
            st = os.lstat(self.root + b"/" + child)
            if name not in old:
                yield child
                if stat.S_ISDIR(st.st_mode):
                    yield from self.tree(child)
                continue
            yield from self._diff_both(child, st, base_root)

    def _diff_both(self, child: bytes, st: os.stat_result, base_root: bytes) -> Iterator[bytes]:
        old = os.lstat(base_root + b"/" + child)
        changed = _signature(self.root + b"/" + child, st) != _signature(base_root + b"/" + child, old)
        if stat.S_ISDIR(st.st_mode) and stat.S_ISDIR(old.st_mode):
            below = self.diff(child, base_root)
            first = next(below, None)
            if changed or first is not None:
                yield child
            if first is not None:
                yield first
                yield from below
        elif changed:
            yield child
            if stat.S_ISDIR(st.st_mode):
                yield from self.tree(child)

    def emit(self, rel: bytes, sink: _Sink) -> None:
        """Write the entry ``rel`` (or a whiteout, when its last component is a ``.wh.`` name) to ``sink``."""
        if rel.rsplit(b"/", 1)[-1].startswith(b".wh."):
            sink.write(_header(rel, b"0", mode=0, mtime=self.mtime or 0))
            return
        path = self.root + b"/" + rel
        st = os.lstat(path)
        fmt = stat.S_IFMT(st.st_mode)
        if fmt == stat.S_IFCHR and st.st_rdev == 0:  # overlay whiteout in an upper dir
            head, _, name = rel.rpartition(b"/")
            sink.write(_header((head + b"/" if head else b"") + b".wh." + name, b"0", mode=0,
                               mtime=self.mtime or 0))
            return
        if fmt not in _TYPEFLAG:
            return  # sockets are not archived (as docker)
        xattrs = _xattrs(path)
        common = dict(mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                      mtime=int(st.st_mtime) if self.mtime is None else self.mtime,
                      xattrs=[(k, v) for k, v in xattrs if not k.startswith(_OVERLAY_XATTRS)])
        if fmt == stat.S_IFREG:
            self._file(rel, path, st, sink, common)
        elif fmt == stat.S_IFDIR:
            sink.write(_header(rel + b"/", b"5", **common))
            if any(k in _OPAQUE_KEYS and v == b"y" for k, v in xattrs):
                sink.write(_header(rel + b"/.wh..wh..opq", b"0", mode=0, mtime=self.mtime or 0))
        elif fmt == stat.S_IFLNK:
            sink.write(_header(rel, b"2", linkname=os.readlink(path), **common))
        else:
            sink.write(_header(rel, _TYPEFLAG[fmt], devmajor=os.major(st.st_rdev),
                               devminor=os.minor(st.st_rdev), **common))

    def _file(self, rel: bytes, path: bytes, st: os.stat_result, sink: _Sink, common: dict) -> None:
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1:
            if key in self.links:
                sink.write(_header(rel, b"1", linkname=self.links[key], **common))
                return
            self.links[key] = rel
        sink.write(_header(rel, b"0", size=st.st_size, **common))
        left = st.st_size
        with open(path, "rb", buffering=0) as fh:
            while left > 0:
                data = fh.read(min(CHUNK, left)) or bytes(min(CHUNK, left))  # shrank meanwhile: pad
                sink.write(data)
                left -= len(data)
        sink.write(bytes(-st.st_size % 512))


def _signature(path: bytes, st: os.stat_result) -> tuple[object, ...]:
    """What makes an entry 'changed' between two trees (docker compares much the same stat fields)."""
    link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else b""
    size = 0 if stat.S_ISDIR(st.st_mode) else st.st_size
    return (st.st_mode, st.st_uid, st.st_gid, size, st.st_mtime_ns, st.st_rdev, link, tuple(_xattrs(path)))


def _xattrs(path: bytes) -> list[tuple[str, bytes]]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return []
    out = []
    for name in sorted(names):
        try:
            out.append((name, os.getxattr(path, name, follow_symlinks=False)))
        except OSError:
            continue
    return out


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def _pax_record(key: bytes, value: bytes) -> bytes:
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    if len(name) <= 100:
        return b"", name
    for i in range(len(name) - 1, 0, -1):
        if name[i:i + 1] == b"/" and i <= 155 and len(name) - i - 1 <= 100:
            return name[:i], name[i + 1:]
    return None


def _header(name: bytes, typeflag: bytes, *, mode: int, mtime: int, uid: int = 0, gid: int = 0, size: int = 0,
            linkname: bytes = b"", devmajor: int = 0, devminor: int = 0,
            xattrs: list[tuple[str, bytes]] | tuple = ()) -> bytes:
    """One entry's header block(s): a pax extended header first when ustar cannot hold the values."""
    pax: list[tuple[bytes, bytes]] = []
    split = _split_ustar(name)
    if split is None:
        pax.append((b"path", name))
        split = (b"", name[:100])
    if len(linkname) > 100:
        pax.append((b"linkpath", linkname))
    for key, value, limit in ((b"size", size, 8**11), (b"uid", uid, 8**7), (b"gid", gid, 8**7),
                              (b"mtime", mtime, 8**11)):
        if not 0 <= value < limit:
            pax.append((key, str(value).encode()))
    pax += [(b"SCHILY.xattr." + k.encode("utf-8", "surrogateescape"), v) for k, v in xattrs]
    out = b""
    if pax:
        data = b"".join(_pax_record(k, v) for k, v in sorted(pax))
        out = _ustar(b"", b"././@PaxHeader", b"x", 0o644, 0, 0, len(data), 0, b"", 0, 0)
        out += data + bytes(-len(data) % 512)
    return out + _ustar(split[0], split[1], typeflag, mode, uid, gid, size, mtime, linkname, devmajor, devminor)


def _ustar(prefix: bytes, name: bytes, typeflag: bytes, mode: int, uid: int, gid: int, size: int, mtime: int,
           linkname: bytes, devmajor: int, devminor: int) -> bytes:
    def num(value: int, width: int) -> bytes:
        return _octal(value, width) if 0 <= value < 8 ** (width - 1) else bytes(width)

    block = bytearray(
        name[:100].ljust(100, b"\0") + num(mode, 8) + num(uid, 8) + num(gid, 8) + num(size, 12)
        + num(mtime, 12) + b" " * 8 + typeflag + linkname[:100].ljust(100, b"\0") + b"ustar\x0000"
        + bytes(64) + num(devmajor, 8) + num(devminor, 8) + prefix[:155].ljust(155, b"\0") + bytes(12)
    )
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)
