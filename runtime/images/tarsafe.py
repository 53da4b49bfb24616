"""A bounded, streaming tar reader that hashes what it reads, and safe path splitting for layer entries.

The reader understands ustar, GNU (long names ``L``/``K``, base-256 numbers) and pax (``x``/``g``) headers.
Metadata blocks are bounded (``MAX_META``), names longer than ``MAX_NAME`` or containing NUL are refused, sparse
and multi-volume entries are refused. Nothing here touches the filesystem.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Iterator

from runtime.errors import LayerError

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
    end = field_bytes.find(b"\0")
    return field_bytes if end < 0 else field_bytes[:end]


def _number(raw: bytes, what: str) -> int:
    if raw and raw[0] & 0x80:
        if raw[0] == 0xFF:
            raise LayerError(f"read layer: negative {what} in tar header")
        return int.from_bytes(bytes([raw[0] & 0x7F]) + raw[1:], "big")
    text = _cstr(raw).strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise LayerError(f"read layer: bad {what} field {raw!r} in tar header") from None


def _check_sum(block: bytes) -> None:
    want = _number(block[148:156], "checksum")
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if want == unsigned:
        return
    signed = unsigned - 256 * sum(1 for b in block if b & 0x80) + 256 * sum(1 for b in block[148:156] if b & 0x80)
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


def _header_fields(block: bytes) -> tuple[bytes, dict[str, object]]:
    typeflag = block[156:157]
    name = _cstr(block[0:100])
    if block[257:263] == b"ustar\0":
        prefix = _cstr(block[345:500])
        if prefix:
            name = prefix + b"/" + name
    fields: dict[str, object] = {
        "name": name,
        "mode": _number(block[100:108], "mode") & 0o7777,
        "uid": _number(block[108:116], "uid"),
        "gid": _number(block[116:124], "gid"),
        "size": _number(block[124:136], "size"),
        "mtime_ns": _number(block[136:148], "mtime") * 1_000_000_000,
        "linkname": _cstr(block[157:257]),
        "devmajor": _number(block[329:337], "devmajor"),
        "devminor": _number(block[337:345], "devminor"),
    }
    return typeflag, fields


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
    while True:
        block = reader.read(BLOCK)
        if len(block) < BLOCK:
            raise LayerError("read layer: archive is truncated (no end-of-archive marker); re-download the blob")
        if block == _ZERO:
            return
        _check_sum(block)
        typeflag, fields = _header_fields(block)
        if typeflag in (b"x", b"g", b"L", b"K"):
            data = _read_meta(reader, int(fields["size"]), "extended header")  # type: ignore[call-overload]
            if typeflag == b"x":
                pax.update(parse_pax(data))
            elif typeflag == b"g":
                parse_pax(data)  # validated, then ignored (as docker does)
            elif typeflag == b"L":
                long_name = _cstr(data)
            else:
                long_link = _cstr(data)
            continue
        entry = _entry(typeflag, fields, pax, long_name, long_link)
        pax, long_name, long_link = {}, None, None
        start = reader.consumed
        yield entry
        body = entry.size
        remaining = body - (reader.consumed - start)
        reader.copy_to(None, remaining + (-body % BLOCK), f"entry {entry.name[:80]!r}")


def _entry(typeflag: bytes, fields: dict[str, object], pax: dict[bytes, bytes],
           long_name: bytes | None, long_link: bytes | None) -> TarEntry:
    if long_name is not None:
        fields["name"] = long_name
    if long_link is not None:
        fields["linkname"] = long_link
    _apply_pax(fields, pax)
    kind = _TYPES.get(typeflag)
    if kind is None:
        what = _TYPE_NAMES.get(typeflag, f"type {typeflag!r}")
        raise LayerError(f"read layer: unsupported tar entry ({what}) for {fields['name']!r}")
    name = fields["name"]
    assert isinstance(name, bytes)
    if kind == FILE and name.endswith(b"/") and typeflag in (b"\0", b"0"):
        kind = DIR  # pre-POSIX archives mark directories by a trailing slash only
    _check_name(name, "entry name")
    _check_name(fields["linkname"], "link target")  # type: ignore[arg-type]
    if kind != FILE:
        fields["size"] = 0  # header-only types carry no data whatever the size field says (as Go's archive/tar)
    return TarEntry(kind=kind, **fields)  # type: ignore[arg-type]


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
