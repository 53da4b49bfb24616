"""Container log files in docker's json-file format: the writer (line splitting, rotation) and the entry codec.

One JSON object per line: ``{"time":"2026-01-02T03:04:05.123456789Z","stream":"stdout","log":"hello\\n"}``.
Keys come in that order and times always carry nine fraction digits, so every line starts with a fixed-width
prefix: readers compare and slice times without parsing JSON (any valid json-file line is still read correctly).
Like docker, a line longer than 16 KiB is cut into 16 KiB entries whose ``log`` has no trailing newline; so is a
last line left without a newline when the stream ends. Invalid UTF-8 becomes U+FFFD.

Rotation: when writing an entry would take the file over ``max-size``, ``path`` becomes ``path.1`` (``.1`` ->
``.2`` ...) and only ``max-file`` files are kept. Defaults (dockyard's choice; docker's json-file never rotates
unless told): ``max-size`` 10 MiB, ``max-file`` 3, i.e. at most 30 MiB per container. Driver ``none`` writes nothing.
The reader lives in ``runtime.supervise.logread``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C-accelerated, ensure_ascii=False
from typing import NamedTuple

from runtime.supervise.durations import parse_size
from runtime.supervise.errors import LogError, PolicyError

MAX_LINE = 16 * 1024
DEFAULT_MAX_SIZE = 10 << 20
DEFAULT_MAX_FILE = 3
DRIVERS = ("json-file", "local", "none")
STDOUT, STDERR = "stdout", "stderr"
TIME_WIDTH = 30  # len("2026-01-02T03:04:05.123456789Z")


class LogOptions(NamedTuple):
    """The resolved ``logging:`` section. ``local`` is stored as json-file (same files, same rotation)."""

    driver: str = "json-file"
    max_size: int = DEFAULT_MAX_SIZE
    max_file: int = DEFAULT_MAX_FILE

    @property
    def enabled(self) -> bool:
        return self.driver != "none"

    @classmethod
    def build(cls, driver: str | None = None, options: Mapping[str, object] | None = None) -> LogOptions:
        name = driver or "json-file"
        if name not in DRIVERS:
            raise PolicyError(f"logging.driver {name!r}: dockyard writes {', '.join(DRIVERS)}; pick one of those")
        opts = dict(options or {})
        size = parse_size(opts["max-size"], what="logging.options.max-size") if "max-size" in opts else None
        count = _max_file(opts.get("max-file"))
        return cls(driver=name, max_size=size or DEFAULT_MAX_SIZE, max_file=count)


def _max_file(value: object) -> int:
    if value is None:
        return DEFAULT_MAX_FILE
    try:
        count = int(str(value))
    except ValueError:
        raise PolicyError(f"logging.options.max-file {value!r}: expected a whole number like 3") from None
    if count < 1:
        raise PolicyError(f"logging.options.max-file {value!r}: must be 1 or more")
    return count


_second_cache: list = [None, ""]


def format_time(ns: int) -> str:
    """RFC 3339 UTC with nine fraction digits (docker's RFC3339NanoFixed)."""
    sec, frac = divmod(ns, 1_000_000_000)
    if _second_cache[0] != sec:
        _second_cache[0], _second_cache[1] = sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    return f"{_second_cache[1]}.{frac:09d}Z"


def encode_entry(stream: str, text: str, ns: int) -> bytes:
    """One json-file line (with its newline)."""
    return f'{{"time":"{format_time(ns)}","stream":"{stream}","log":{encode_basestring(text)}}}\n'.encode()


class LogWriter:
    """Turns raw stream chunks into json-file entries in ``path``, rotating as configured.

    Not thread-safe; one writer per container, kept across the container's restarts (entries append).
    """

    def __init__(self, path: str | os.PathLike, options: LogOptions = LogOptions(), clock=time.time_ns) -> None:
        self.path = os.fspath(path)
        self.options = options
        self._clock = clock
        self._pending = {STDOUT: bytearray(), STDERR: bytearray()}
        self._fd: int | None = None
        self._size = 0
        if options.enabled:
            self._open()

    def _open(self) -> None:
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        except OSError as exc:
            raise LogError(f"open log file {self.path}: {exc.strerror}; check the container directory") from exc
        self._size = os.fstat(self._fd).st_size
        if self._size and os.pread(self._fd, 1, self._size - 1) != b"\n":
            self._write_all(b"\n")  # end a line torn by a crash, so the next entry starts clean

    def write(self, stream: str, data: bytes) -> None:
        """Add a chunk read from ``stream``; complete lines (and 16 KiB pieces) are written at once."""
        if not self.options.enabled or not data:
            return
        buf = self._pending[stream]
        buf += data
        if b"\n" not in data and len(buf) < MAX_LINE:
            return
        head = f'{{"time":"{format_time(self._clock())}","stream":"{stream}","log":'
        last = buf.rfind(b"\n") + 1
        lines = bytes(buf[:last]).split(b"\n")[:-1] if last else []
        if lines and max(map(len, lines)) < MAX_LINE and len(buf) - last < MAX_LINE:
            del buf[:last]
            self._emit([f"{head}{encode_basestring(line.decode('utf-8', 'replace') + chr(10))}}}\n"
                        for line in lines])
            return
        self._emit([f"{head}{encode_basestring(piece.decode('utf-8', 'replace'))}}}\n" for piece in _pieces(buf)])

    def flush(self) -> None:
        """Write what is left without a newline (the stream ended, or the container exited)."""
        if not self.options.enabled:
            return
        out = []
        for stream, buf in self._pending.items():
            if buf:
                out.append(encode_entry(stream, buf.decode("utf-8", "replace"), self._clock()).decode())
                buf.clear()
        self._emit(out)

    def _emit(self, entries: list[str]) -> None:
        if not entries:
            return
        blob = "".join(entries).encode()
        if self._size + len(blob) <= self.options.max_size:
            self._write_all(blob)
            return
        for group in _batches([entry.encode() for entry in entries], self.options.max_size):
            if self._size and self._size + len(group) > self.options.max_size:
                self._rotate()
            self._write_all(group)

    def _write_all(self, blob: bytes) -> None:
        assert self._fd is not None
        view = memoryview(blob)
        try:
            while view:
                done = os.write(self._fd, view)
                view = view[done:]
        except OSError as exc:
            raise LogError(f"write log file {self.path}: {exc.strerror}") from exc
        self._size += len(blob)

    def _rotate(self) -> None:
        assert self._fd is not None
        os.close(self._fd)
        keep = self.options.max_file
        try:
            if keep <= 1:
                os.truncate(self.path, 0)
            else:
                for index in range(keep - 1, 0, -1):
                    older = f"{self.path}.{index - 1}" if index > 1 else self.path
                    if os.path.exists(older):
                        os.replace(older, f"{self.path}.{index}")
        except OSError as exc:
            raise LogError(f"rotate log file {self.path}: {exc.strerror}") from exc
        self._open()

    def close(self) -> None:
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _pieces(buf: bytearray) -> list[bytes]:
    """Cut complete lines and 16 KiB pieces off the front of ``buf`` (docker's partial messages)."""
    out, start, end = [], 0, len(buf)
    while start < end:
        nl = buf.find(b"\n", start, min(end, start + MAX_LINE))
        if nl >= 0:
            stop = nl + 1
        elif end - start >= MAX_LINE:
            stop = start + MAX_LINE
        else:
            break
        out.append(bytes(buf[start:stop]))
        start = stop
    del buf[:start]
    return out


def _batches(entries: list[bytes], limit: int) -> list[bytes]:
    """Group entries into writes no larger than the rotation limit (whole entries only)."""
    out: list[bytes] = []
    group: list[bytes] = []
    size = 0
    for entry in entries:
        if group and size + len(entry) > limit:
            out.append(b"".join(group))
            group, size = [], 0
        group.append(entry)
        size += len(entry)
    if group:
        out.append(b"".join(group))
    return out


class LogEntry(NamedTuple):
    """One decoded entry: time (RFC 3339, nine digits), stream name, text (newline kept if it had one)."""

    time: str
    stream: str
    log: str


def decode_line(line: bytes) -> LogEntry | None:
    """Decode one json-file line; None for a torn or foreign line (e.g. a crash mid-write)."""
    if line[39:51] == b'","stream":"' and line[57:66] == b'","log":"' and line.endswith(b'"}\n'):
        body = line[66:-3]
        if b"\\" not in body:
            return LogEntry(line[9:39].decode(), line[51:57].decode(), body.decode("utf-8", "replace"))
        if body.endswith(b"\\n") and b"\\" not in body[:-2]:
            return LogEntry(line[9:39].decode(), line[51:57].decode(), body[:-2].decode("utf-8", "replace") + "\n")
    try:
        obj = json.loads(line)
        return LogEntry(normalize_time(obj["time"]), obj.get("stream", STDOUT), obj["log"])
    except (ValueError, KeyError, TypeError):
        return None


def normalize_time(text: str) -> str:
    """Any RFC 3339 time -> our fixed-width UTC form (so strings compare in time order)."""
    if len(text) == TIME_WIDTH and text.endswith("Z"):
        return text
    from datetime import UTC, datetime  # here, not at the top: writing logs never needs it

    head, _, rest = text.partition(".")
    digits = rest[:len(rest) - len(rest.lstrip("0123456789"))]
    zone = text[len(head) + 1 + len(digits):] if rest else text[19:]
    stamp = datetime.fromisoformat(head[:19] + (zone if zone not in ("", "Z") else "+00:00"))
    ns = int(stamp.astimezone(UTC).timestamp()) * 1_000_000_000 + int((digits + "0" * 9)[:9] or 0)
    return format_time(ns)
