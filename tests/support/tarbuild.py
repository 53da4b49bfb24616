"""Craft tar bytes by hand, including malformed and hostile ones, for the layer extraction tests.

Independent of the code under test: headers are assembled field by field here. Every builder returns bytes;
``archive(...)`` joins members and appends the end-of-archive marker.
"""

from __future__ import annotations

import gzip as _gzip
import hashlib
from collections.abc import Iterable

from runtime.images.compression import compressor

BLOCK = 512


def _b(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def header(name: bytes | str, *, typeflag: bytes = b"0", size: int = 0, mode: int = 0o644, uid: int = 0,
           gid: int = 0, mtime: int = 1_600_000_000, linkname: bytes | str = b"", devmajor: int = 0,
           devminor: int = 0, prefix: bytes | str = b"", magic: bytes = b"ustar\x0000",
           size_field: bytes | None = None, checksum: int | None = None) -> bytes:
    """One raw 512-byte ustar header. ``size_field`` overrides the encoded size; ``checksum`` forces a value."""
    block = bytearray(
        _b(name)[:100].ljust(100, b"\0") + _octal(mode, 8) + _octal(uid, 8) + _octal(gid, 8)
        + (size_field if size_field is not None else _octal(size, 12)) + _octal(mtime, 12) + b" " * 8
        + typeflag + _b(linkname)[:100].ljust(100, b"\0") + magic + b"root".ljust(32, b"\0")
        + b"root".ljust(32, b"\0") + _octal(devmajor, 8) + _octal(devminor, 8) + _b(prefix).ljust(155, b"\0")
        + bytes(12)
    )
    assert len(block) == BLOCK
    block[148:156] = b"%06o\0 " % (sum(block) if checksum is None else checksum)
    return bytes(block)


def pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def file(name: bytes | str, data: bytes = b"", **kw: object) -> bytes:
    return header(name, typeflag=b"0", size=len(data), **kw) + pad(data)  # type: ignore[arg-type]


def directory(name: bytes | str, **kw: object) -> bytes:
    kw.setdefault("mode", 0o755)
    return header(name, typeflag=b"5", **kw)  # type: ignore[arg-type]


def symlink(name: bytes | str, target: bytes | str, **kw: object) -> bytes:
    kw.setdefault("mode", 0o777)
    return header(name, typeflag=b"2", linkname=target, **kw)  # type: ignore[arg-type]


def hardlink(name: bytes | str, target: bytes | str, **kw: object) -> bytes:
    return header(name, typeflag=b"1", linkname=target, **kw)  # type: ignore[arg-type]


def device(name: bytes | str, *, char: bool = True, major: int = 1, minor: int = 3, **kw: object) -> bytes:
    return header(name, typeflag=b"3" if char else b"4", devmajor=major, devminor=minor, **kw)  # type: ignore[arg-type]


def fifo(name: bytes | str, **kw: object) -> bytes:
    return header(name, typeflag=b"6", **kw)  # type: ignore[arg-type]


def pax_record(key: bytes | str, value: bytes | str) -> bytes:
    body = b" " + _b(key) + b"=" + _b(value) + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


def pax(records: Iterable[tuple[bytes | str, bytes | str]] | dict, *, typeflag: bytes = b"x") -> bytes:
    """A pax extended header (applies to the next member); ``typeflag=b"g"`` for a global one."""
    items = records.items() if isinstance(records, dict) else records
    return pax_raw(b"".join(pax_record(k, v) for k, v in items), typeflag=typeflag)


def pax_raw(data: bytes, *, typeflag: bytes = b"x", declared_size: int | None = None) -> bytes:
    """A pax header with arbitrary (possibly malformed) body; ``declared_size`` lies about its length."""
    size = len(data) if declared_size is None else declared_size
    return header("././@PaxHeader", typeflag=typeflag, size=size) + pad(data)


def gnu_longname(name: bytes | str) -> bytes:
    data = _b(name) + b"\0"
    return header("././@LongLink", typeflag=b"L", size=len(data), magic=b"ustar  \0") + pad(data)


def end() -> bytes:
    return bytes(2 * BLOCK)


def archive(*members: bytes) -> bytes:
    return b"".join(members) + end()


def gzip(data: bytes) -> bytes:
    return _gzip.compress(data, mtime=0)


def zstd(data: bytes) -> bytes:
    comp = compressor("zstd")
    return comp(data) + comp(None)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
