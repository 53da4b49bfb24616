"""Reading json-file logs: across rotated files, with tail/since/until, a fast raw copy, follow, and merging.

The reader never parses what it does not show: ``since``/``until`` bisect each file on line boundaries (times
are in order), ``tail`` counts newlines backwards from the end, and ``copy_logs`` turns whole 1 MiB chunks of
lines into output with two regex/replace passes when the chunk holds no escapes (the common case).
``tail`` applies after ``since``/``until``: the last N entries of the selected time range.
"""

from __future__ import annotations

import heapq
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from runtime.supervise.logs import LogEntry, decode_line, format_time, normalize_time

CHUNK = 1 << 20
_HEAD = re.compile(rb'\n\{"time":"([^"]{30})","stream":"std(?:out|err)","log":"')
_HEADS = re.compile(rb'(?:\{"time":"[^"]{30}","stream":"std(?:out|err)","log":")*')
_META = re.compile(rb'\n\{"time":"([^"]{30})","stream":"(std(?:out|err))","log":"')
_END_NL = b'\\n"}\n'
_END = b'"}\n'


def log_files(path: str | os.PathLike) -> list[str]:
    """The existing files of one container's log, oldest first: path.N ... path.1, path."""
    base = os.fspath(path)
    rotated = []
    index = 1
    while os.path.exists(f"{base}.{index}"):
        rotated.append(f"{base}.{index}")
        index += 1
    files = list(reversed(rotated))
    if os.path.exists(base):
        files.append(base)
    return files


def as_time(value: datetime | str | float | None) -> str | None:
    """since/until as our fixed-width time string: datetime (naive = UTC), RFC 3339 text, or epoch seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return format_time(int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1000)
    if isinstance(value, (int, float)):
        return format_time(int(value * 1_000_000_000))
    return normalize_time(value)


@dataclass(frozen=True)
class Segment:
    """A byte range of one file holding whole lines."""

    path: str
    start: int
    end: int


def select(path: str | os.PathLike, *, tail: int | None = None, since: object = None,
           until: object = None) -> list[Segment]:
    """The byte ranges holding the entries to show, oldest first."""
    lo, hi = as_time(since), as_time(until)  # type: ignore[arg-type]
    segments = []
    for name in log_files(path):
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            start = _bisect(fh, size, lo, inclusive=True) if lo else 0
            end = _bisect(fh, size, hi, inclusive=False) if hi else _complete_end(fh, size)
        if end > start:
            segments.append(Segment(name, start, end))
    if tail is not None:
        segments = _tail(segments, tail)
    return segments


def _complete_end(fh: BinaryIO, size: int) -> int:
    """``size``, or less so that a torn last line (a crash mid-write, or a write in progress) is left out."""
    pos = size
    while pos > 0:
        begin = max(0, pos - 65536)
        fh.seek(begin)
        block = fh.read(pos - begin)
        if pos == size and block.endswith(b"\n"):
            return size
        nl = block.rfind(b"\n")
        if nl >= 0:
            return begin + nl + 1
        pos = begin
    return 0


def _line_time(fh: BinaryIO, pos: int) -> str | None:
    fh.seek(pos)
    line = fh.readline()
    entry = decode_line(line) if line.endswith(b"\n") else None
    return entry.time if entry else None


def _bisect(fh: BinaryIO, size: int, target: str, *, inclusive: bool) -> int:
    """Offset of the first line whose time is >= target (inclusive) or > target (exclusive)."""
    lo, hi = 0, size  # the answer is a line start in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        start = lo
        if mid > lo:
            fh.seek(mid - 1)
            fh.readline()
            start = fh.tell()
        if start >= hi:
            return _scan(fh, lo, hi, target, inclusive)
        if _before(_line_time(fh, start), target, inclusive):
            lo = fh.tell()
        else:
            hi = start
    return lo


def _scan(fh: BinaryIO, lo: int, hi: int, target: str, inclusive: bool) -> int:
    pos = lo
    while pos < hi:
        if not _before(_line_time(fh, pos), target, inclusive):
            return pos
        pos = fh.tell()
    return hi


def _before(stamp: str | None, target: str, inclusive: bool) -> bool:
    if stamp is None:  # a torn line: skip it
        return True
    return stamp < target if inclusive else stamp <= target


def _tail(segments: list[Segment], count: int) -> list[Segment]:
    if count <= 0:
        return []
    out: list[Segment] = []
    for seg in reversed(segments):
        start, found = _count_back(seg, count)
        out.append(Segment(seg.path, start, seg.end))
        count -= found
        if count <= 0:
            break
    return list(reversed(out))


def _count_back(seg: Segment, count: int) -> tuple[int, int]:
    """Walk back from seg.end over up to ``count`` lines; (start offset, lines found)."""
    found, pos = 0, seg.end
    with open(seg.path, "rb") as fh:
        while pos > seg.start:
            begin = max(seg.start, pos - 65536)
            fh.seek(begin)
            block = fh.read(pos - begin)
            last = len(block) - 1 if pos == seg.end else len(block)  # the range ends with a newline
            while True:
                nl = block.rfind(b"\n", 0, last)
                if nl < 0:
                    break
                found += 1
                if found == count:
                    return begin + nl + 1, found
                last = nl
            pos = begin
    return seg.start, found + (1 if seg.end > seg.start else 0)


def read_chunks(segments: Iterable[Segment]) -> Iterator[bytes]:
    """Whole-line chunks of about 1 MiB from the segments (a torn last line is dropped)."""
    for seg in segments:
        with open(seg.path, "rb") as fh:
            fh.seek(seg.start)
            left, carry = seg.end - seg.start, b""
            while left > 0:
                more = fh.read(min(CHUNK, left))
                if not more:
                    break
                left -= len(more)
                data = carry + more
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield data[:cut]
                carry = data[cut:]


def render_chunk(chunk: bytes, timestamps: bool) -> bytes:
    """Chunk of json-file lines -> the text docker logs prints, without a JSON parse per line.

    Our lines all start with the same fixed-width head; cut the heads off (keeping the time if wanted) and what is
    left is each entry's JSON string body followed by ``"}``. With no escapes that is the text already; with
    escapes the bodies are joined into one JSON array and decoded in a single call.
    """
    lines = chunk.count(b"\n")
    body = _stamped_bodies(chunk, lines) if timestamps else _bodies(chunk, lines)
    if body is not None and lines == body.count(_END):
        if body.count(b'"') == lines and body.count(b"\\") == body.count(_END_NL):
            return body.replace(_END_NL, b"\n").replace(_END, b"")
        try:
            return "".join(json.loads(b'["' + body.replace(_END, b'","')[:-2] + b"]")).encode()
        except ValueError:
            pass
    out = []
    for line in chunk.splitlines(keepends=True):
        entry = decode_line(line)
        if entry is not None:
            out.append(f"{entry.time} {entry.log}" if timestamps else entry.log)
    return "".join(out).encode()


def _bodies(chunk: bytes, lines: int) -> bytes | None:
    """Every line's text part (``...\\n"}``), heads cut off by one regex pass; None if a line is not ours."""
    body, heads = _HEAD.subn(b"\n", b"\n" + chunk)
    return body[1:] if heads == lines else None


def _stamped_bodies(chunk: bytes, lines: int) -> bytes | None:
    """Like ``_bodies`` with each line's time and a space in front (fixed offsets: no regex substitution)."""
    parts = chunk.split(b"\n")
    parts.pop()
    if len(parts) != lines or not _HEADS.fullmatch(b"".join([p[:66] for p in parts])):
        return None
    return b"\n".join([p[9:39] + b" " + p[66:] for p in parts]) + b"\n"


def copy_logs(path: str | os.PathLike, out: BinaryIO, *, tail: int | None = None, since: object = None,
              until: object = None, timestamps: bool = False) -> None:
    """Write one container's log text to ``out`` (a binary file), like ``docker logs`` does."""
    out.writelines(render_chunk(chunk, timestamps) for chunk in read_chunks(select(path, tail=tail, since=since, until=until)))


def read_logs(path: str | os.PathLike, *, tail: int | None = None, since: object = None,
              until: object = None) -> Iterator[LogEntry]:
    """One container's entries, oldest first."""
    for chunk in read_chunks(select(path, tail=tail, since=since, until=until)):
        yield from decode_chunk(chunk)


def decode_chunk(chunk: bytes) -> list[LogEntry]:
    """Entries of a chunk of whole lines: heads by one regex pass, bodies by one JSON decode."""
    lines = chunk.count(b"\n")
    data = b"\n" + chunk
    meta = _META.findall(data)
    if len(meta) == lines:
        body = _META.sub(b"\n", data)[1:]
        texts = None
        if body.count(_END) == lines:
            try:
                texts = json.loads(b'["' + body.replace(_END, b'","')[:-2] + b"]")
            except ValueError:
                pass
        if texts is not None and len(texts) == lines:
            return [LogEntry(t.decode(), s.decode(), x) for (t, s), x in zip(meta, texts)]
    return [e for e in map(decode_line, chunk.splitlines(keepends=True)) if e is not None]


def format_entry(entry: LogEntry, *, timestamps: bool = False, prefix: str = "") -> str:
    """``prefix`` + optional time + text, as ``docker compose logs`` prints an entry."""
    return f"{prefix}{entry.time} {entry.log}" if timestamps else f"{prefix}{entry.log}"


def merge_logs(streams: dict[str, Iterable[LogEntry]]) -> Iterator[tuple[str, LogEntry]]:
    """Several containers' entries in time order (a heap merge), each with its container's name."""
    tagged = [_tag(name, entries) for name, entries in streams.items()]
    for _, name, entry in heapq.merge(*tagged, key=lambda item: item[0]):
        yield name, entry


def _tag(name: str, entries: Iterable[LogEntry]) -> Iterator[tuple[str, str, LogEntry]]:
    for entry in entries:
        yield entry.time, name, entry


def follow_logs(path: str | os.PathLike, alive: Callable[[], bool], **options: object) -> Iterator[LogEntry]:
    """See ``runtime.supervise.logfollow.follow_logs`` (kept here for callers of the reader)."""
    from runtime.supervise.logfollow import follow_logs as follow

    return follow(path, alive, **options)  # type: ignore[arg-type]


def read_logs_file(name: str) -> Iterator[LogEntry]:
    with open(name, "rb") as fh:
        for line in fh:
            entry = decode_line(line)
            if entry is not None:
                yield entry
