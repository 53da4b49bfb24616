"""A bounded, streaming tar reader that hashes what it reads, and safe path splitting for layer entries.

The reader understands ustar, GNU (long names ``L``/``K``, base-256 numbers) and pax (``x``/``g``) headers.
Metadata blocks are bounded (``MAX_META``), names longer than ``MAX_NAME`` or containing NUL are refused, sparse
and multi-volume entries are refused. The path helpers at the end split archive names inside a root and remove
trees through directory fds without following symlinks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import struct
from dataclasses import dataclass, field
from typing import Iterator

from runtime.errors import LayerError

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
BLOCK = 512
MAX_META = 1 << 20  # pax / GNU long-name blocks, as Go's archive/tar
MAX_NAME = 4096
_ZERO = bytes(BLOCK)

FILE, DIR, SYMLINK, HARDLINK, CHAR, BLOCKDEV, FIFO = "file", "dir", "symlink", "hardlink", "char", "block", "fifo"
_TYPES = {
    b"0": FILE, b"\0": FILE, b"7": FILE, b"1": HARDLINK, b"2": SYMLINK,
    b"3": CHAR, b"4": BLOCKDEV, b"5": DIR, b"6": FIFO,
}
_TYPE_NAMES = {b"S": "GNU sparse file", b"V": "volume header", b"M": "multi-volume continuation"}


@dataclass(frozen=True, slots=True)
class TarEntry:
    """One archive member, names as raw bytes exactly as the archive spells them."""

    name: bytes
    kind: str
    size: int = 0
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime_ns: int = 0
    atime_ns: int | None = None
    linkname: bytes = b""
    devmajor: int = 0
    devminor: int = 0
    xattrs: tuple[tuple[str, bytes], ...] = field(default=())


class HashingReader:
    """Reads a chunk iterator as one stream, hashing every byte (the diff_id), in large slices."""

    def __init__(self, chunks: Iterator[bytes], hasher: "hashlib._Hash | None" = None) -> None:
        """With ``hasher`` given, the producer of ``chunks`` already feeds it every chunk."""
        self._chunks = chunks
        self._hashing = hasher is None
        self._buf = b""
        self._mv = memoryview(b"")
        self._pos = 0
        self._hash = hashlib.sha256() if hasher is None else hasher
        self.consumed = 0

    def _more(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        if self._hashing:
            self._hash.update(chunk)
        rest = self._buf[self._pos:]
        self._buf = rest + chunk if rest else chunk
        self._mv = memoryview(self._buf)
        self._pos = 0
        return True

    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes, or fewer only at the end of the stream."""
        while len(self._buf) - self._pos < n and self._more():
            pass
        out = self._buf[self._pos:self._pos + n]
        self._pos += len(out)
        self.consumed += len(out)
        return out

    def read_exact(self, n: int, what: str) -> bytes:
        out = self.read(n)
        if len(out) != n:
            raise LayerError(f"read layer: archive is truncated inside {what}; re-download the blob")
        return out

    def copy_to(self, fd: int | None, n: int, what: str) -> None:
        """Write the next ``n`` bytes to ``fd`` (or drop them when ``fd`` is None)."""
        while n:
            avail = len(self._buf) - self._pos
            if not avail:
                if not self._more():
                    raise LayerError(f"read layer: archive is truncated inside {what}; re-download the blob")
                continue
            take = avail if avail < n else n
            if fd is not None:
                view = self._mv[self._pos:self._pos + take]
                while view:
                    view = view[os.write(fd, view):]
            self._pos += take
            self.consumed += take
            n -= take

    def finish(self) -> str:
        """Consume the rest of the stream (trailing padding is part of the diff_id) and return the digest."""
        while self._more():
            self._pos = len(self._buf)
        return "sha256:" + self._hash.hexdigest()


def _cstr(field_bytes: bytes) -> bytes:
    return field_bytes.split(b"\0", 1)[0]


def _number(raw: bytes, what: str) -> int:
    """A numeric header field: octal digits (space/NUL padded) or GNU base-256; never negative."""
    try:
        value = int(raw[:-1], 8)  # fast path: "0000644\0", "000644 \0"
    except ValueError:
        value = _number_slow(raw, what)
    if value < 0:
        raise LayerError(f"read layer: negative {what} in tar header")
    return value


def _number_slow(raw: bytes, what: str) -> int:
    if raw[0] & 0x80:
        if raw[0] == 0xFF:
            raise LayerError(f"read layer: negative {what} in tar header")
        return int.from_bytes(bytes([raw[0] & 0x7F]) + raw[1:], "big")
    text = _cstr(raw).strip(b" ")
    if not text:
        return 0
    if not all(0x30 <= c <= 0x37 for c in text):
        raise LayerError(f"read layer: bad {what} field {raw!r} in tar header")
    return int(text, 8)


def _check_sum(block: bytes, field_bytes: bytes) -> None:
    try:
        want = int(field_bytes.rstrip(b" \0"), 8)  # fast path: "001234\0 "
    except ValueError:
        want = _number(field_bytes, "checksum")
    unsigned = sum(block) - sum(field_bytes) + 8 * 32
    if want == unsigned:
        return
    signed = unsigned - 256 * sum(1 for b in block if b & 0x80) + 256 * sum(1 for b in field_bytes if b & 0x80)
    if want != signed:
        raise LayerError("read layer: tar header checksum mismatch (corrupt or not a tar archive)")


def _pax_time(value: bytes) -> int:
    try:
        whole, _, frac = value.decode("ascii").partition(".")
        sign = -1 if whole.startswith("-") else 1
        ns = int(whole) * 1_000_000_000 + sign * int((frac + "000000000")[:9] or 0)
        return ns
    except ValueError:
        raise LayerError(f"read layer: bad pax time {value!r}") from None


def parse_pax(data: bytes) -> dict[bytes, bytes]:
    """Parse pax records ``"<len> key=value\\n"``; malformed records are refused."""
    out: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos, pos + 20)
        try:
            length = int(data[pos:space]) if space > pos else 0
        except ValueError:
            length = 0
        record = data[pos:pos + length]
        if length <= space - pos + 1 or len(record) != length or not record.endswith(b"\n"):
            raise LayerError("read layer: malformed pax extended header record")
        key, eq, value = record[space - pos + 1:-1].partition(b"=")
        if not eq or not key:
            raise LayerError("read layer: malformed pax extended header record (no key=value)")
        out[key] = value
        pos += length
    return out


def _apply_pax(fields: dict[str, object], pax: dict[bytes, bytes]) -> None:
    xattrs: list[tuple[str, bytes]] = []
    for key, value in pax.items():
        if key.startswith(b"GNU.sparse."):
            raise LayerError("read layer: sparse files are not supported in layers")
        if key.startswith(b"SCHILY.xattr."):
            xattrs.append((key[13:].decode("utf-8", "surrogateescape"), value))
        elif key in (b"path", b"linkpath") and value:
            fields["name" if key == b"path" else "linkname"] = value
        elif key in (b"size", b"uid", b"gid") and value:
            if not value.isdigit():
                raise LayerError(f"read layer: bad pax {key.decode()} {value!r}")
            fields[key.decode()] = int(value)
        elif key in (b"mtime", b"atime") and value:
            fields[key.decode() + "_ns"] = _pax_time(value)
    if xattrs:
        fields["xattrs"] = tuple(sorted(xattrs))


def _check_name(name: bytes, what: str) -> None:
    if b"\0" in name:
        raise LayerError(f"read layer: {what} {name[:80]!r} contains a NUL byte")
    if len(name) > MAX_NAME:
        raise LayerError(f"read layer: {what} longer than {MAX_NAME} bytes ({name[:80]!r}...)")


_USTAR = struct.Struct("100s8s8s8s12s12s8sc100s6s2s32s32s8s8s155s12x")
_META_TYPES = (b"x", b"g", b"L", b"K")
_DEVICE_TYPES = (b"3", b"4")


def _read_meta(reader: HashingReader, size: int, what: str) -> bytes:
    if size > MAX_META:
        raise LayerError(f"read layer: {what} of {size} bytes exceeds the {MAX_META}-byte limit")
    data = reader.read_exact(size, what)
    reader.copy_to(None, -size % BLOCK, what)
    return data


def iter_entries(reader: HashingReader) -> Iterator[TarEntry]:
    """Yield each member; the caller may consume its data with ``reader.copy_to``; the rest is skipped."""
    pax: dict[bytes, bytes] = {}
    long_name = long_link = None
    pending = 0  # metadata bytes waiting for their entry: bounded in total, not just per block
    unpack = _USTAR.unpack
    while True:
        block = reader.read(BLOCK)
        if len(block) < BLOCK:
            raise LayerError("read layer: archive is truncated (no end-of-archive marker); re-download the blob")
        if block == _ZERO:
            return
        (name, mode, uid, gid, size, mtime, checksum, typeflag, linkname, magic, _version, _uname, _gname,
         devmajor, devminor, prefix) = unpack(block)
        _check_sum(block, checksum)
        body = _number(size, "size")
        if typeflag in _META_TYPES:
            pending += body
            data = _read_meta(reader, body if pending <= MAX_META else pending, "extended header")
            if typeflag == b"x":
                pax.update(parse_pax(data))
            elif typeflag == b"g":
                parse_pax(data)  # validated, then ignored (as docker does)
            elif typeflag == b"L":
                long_name = _cstr(data)
            else:
                long_link = _cstr(data)
            continue
        kind = _TYPES.get(typeflag)
        if kind is None:
            what = _TYPE_NAMES.get(typeflag, f"type {typeflag!r}")
            raise LayerError(f"read layer: unsupported tar entry ({what}) for {_cstr(name)!r}")
        name = _cstr(name)
        if prefix[0] and magic == b"ustar\0":
            name = _cstr(prefix) + b"/" + name
        if kind is FILE and name.endswith(b"/") and typeflag != b"7":
            kind = DIR  # pre-POSIX archives mark directories by a trailing slash only
        entry = TarEntry(
            name, kind, body if kind is FILE else 0, _number(mode, "mode") & 0o7777, _number(uid, "uid"),
            _number(gid, "gid"), _number(mtime, "mtime") * 1_000_000_000, None, _cstr(linkname),
            _number(devmajor, "devmajor") if typeflag in _DEVICE_TYPES else 0,
            _number(devminor, "devminor") if typeflag in _DEVICE_TYPES else 0,
        )
        if pax or long_name is not None or long_link is not None:
            entry = _extended(entry, pax, long_name, long_link)
            pax, long_name, long_link = {}, None, None
        pending = 0
        start = reader.consumed
        yield entry
        # header-only types carry no data whatever the size field says (as Go's archive/tar)
        left = entry.size - (reader.consumed - start)
        reader.copy_to(None, left + (-entry.size % BLOCK), f"entry {entry.name[:80]!r}")


def _extended(entry: TarEntry, pax: dict[bytes, bytes], long_name: bytes | None,
              long_link: bytes | None) -> TarEntry:
    """The entry with GNU long names and pax records applied (pax wins, as in Go and GNU tar)."""
    fields: dict[str, object] = {}
    if long_name is not None:
        fields["name"] = long_name
    if long_link is not None:
        fields["linkname"] = long_link
    _apply_pax(fields, pax)
    if entry.kind != FILE:
        fields.pop("size", None)
    entry = dataclasses.replace(entry, **fields)  # type: ignore[arg-type]
    _check_name(entry.name, "entry name")
    _check_name(entry.linkname, "link target")
    return entry


def split_path(name: bytes) -> tuple[bytes, ...]:
    """Components of an archive path inside the layer root.

    A leading ``/`` is stripped (docker does the same), ``.`` and empty components dropped, ``..`` resolved
    lexically; a path that would climb above the root is refused.
    """
    parts: list[bytes] = []
    for comp in name.split(b"/"):
        if comp in (b"", b"."):
            continue
        if comp == b"..":
            if not parts:
                raise LayerError(f"unpack layer: entry {name[:200]!r} escapes the layer root ('..')")
            parts.pop()
            continue
        parts.append(comp)
    return tuple(parts)


def join_in_root(base: tuple[bytes, ...], link: bytes) -> tuple[bytes, ...]:
    """``link`` taken relative to ``base`` with ``..`` stopping at the root, as inside a chroot."""
    parts = list(base)
    for comp in link.split(b"/"):
        if comp == b"..":
            if parts:
                parts.pop()
        elif comp not in (b"", b"."):
            parts.append(comp)
    return tuple(parts)


def rmtree_at(parent: int, name: bytes) -> None:
    """Remove a directory tree: no symlink followed, no Python recursion, at most two fds open at a time."""
    names = [name]
    fd = os.open(name, DIR_FLAGS, dir_fd=parent)
    try:
        while True:
            sub = None
            with os.scandir(fd) as it:
                for item in it:
                    if item.is_dir(follow_symlinks=False):
                        sub = os.fsencode(item.name)
                        break
                    os.unlink(item.name, dir_fd=fd)
            if sub is not None:
                fd, old = os.open(sub, DIR_FLAGS, dir_fd=fd), fd
                os.close(old)
                names.append(sub)
                continue
            child = names.pop()
            if not names:
                os.close(fd)
                fd = -1
                os.rmdir(child, dir_fd=parent)
                return
            fd, old = os.open(b"..", DIR_FLAGS, dir_fd=fd), fd
            os.close(old)
            os.rmdir(child, dir_fd=fd)
    finally:
        if fd >= 0:
            os.close(fd)


def proc_path(dir_fd: int, name: bytes) -> bytes:
    """A path naming ``name`` inside an open directory, for calls that take no dir_fd (final link not followed)."""
    return b"/proc/self/fd/%d/%s" % (dir_fd, name)
