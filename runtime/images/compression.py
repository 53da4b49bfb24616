"""Streaming compression for layer blobs: gzip (zlib) and zstd. The ONLY zstandard importer.

Readers yield decompressed chunks of about ``CHUNK`` bytes; writers take chunks and write the compressed form.
Errors in the compressed stream (corruption, truncation, trailing garbage) raise ``LayerError``.
"""

from __future__ import annotations

import queue
import threading
import zlib
from typing import BinaryIO, Callable, Iterator

import zstandard

from runtime.errors import LayerError

CHUNK = 1 << 20

GZIP = "gzip"
ZSTD = "zstd"
NONE = "none"

MEDIA_TYPES = {
    GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
    ZSTD: "application/vnd.oci.image.layer.v1.tar+zstd",
    NONE: "application/vnd.oci.image.layer.v1.tar",
}

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def detect(head: bytes, media_type: str | None = None) -> str:
    """The compression of a blob from its first bytes.

    The magic bytes decide, as in docker and containerd: registries and old tools often label layers wrongly
    (docker's ``tar.gzip`` media type on zstd data, plain tars labelled gzip). ``media_type`` is accepted as a hint
    and only used when there are no bytes to look at.
    """
    if head.startswith(_GZIP_MAGIC):
        return GZIP
    if head.startswith(_ZSTD_MAGIC):
        return ZSTD
    if not head and media_type:
        return ZSTD if media_type.endswith("zstd") else GZIP if "gzip" in media_type else NONE
    return NONE


def media_type_for(compression: str) -> str:
    """The OCI layer media type for a compression name ("gzip", "zstd" or "none")."""
    try:
        return MEDIA_TYPES[compression]
    except KeyError:
        raise LayerError(
            f"create layer: unknown compression {compression!r}; use one of {', '.join(MEDIA_TYPES)}"
        ) from None


def decompressed_chunks(fh: BinaryIO, media_type: str | None = None) -> Iterator[bytes]:
    """Yield the decompressed content of ``fh`` in chunks, autodetecting the compression."""
    head = fh.read(4)
    kind = detect(head, media_type)
    if kind == GZIP:
        return _gunzip(head, fh)
    if kind == ZSTD:
        return _unzstd(head, fh)
    return _plain(head, fh)


def _plain(head: bytes, fh: BinaryIO) -> Iterator[bytes]:
    if head:
        yield head
    while chunk := fh.read(CHUNK):
        yield chunk


def _gunzip(head: bytes, fh: BinaryIO) -> Iterator[bytes]:
    """Multi-member gzip; trailing zero padding tolerated, any other trailing bytes refused."""
    dec = zlib.decompressobj(wbits=31)
    data = head
    try:
        while data or (data := fh.read(CHUNK)):
            if dec.eof:
                if not data.startswith(_GZIP_MAGIC[: len(data)]):
                    _check_trailer(data, fh)
                    return
                dec = zlib.decompressobj(wbits=31)
            out = dec.decompress(data, CHUNK)
            if out:
                yield out
            while len(out) == CHUNK and not dec.eof:  # more output may be pending inside zlib
                out = dec.decompress(dec.unconsumed_tail, CHUNK)
                if out:
                    yield out
            data = dec.unused_data if dec.eof else dec.unconsumed_tail
        if not dec.eof:
            raise LayerError("decompress layer: gzip stream is truncated (no end of stream); re-download the blob")
    except zlib.error as exc:
        raise LayerError(f"decompress layer: corrupt gzip data ({exc}); re-download the blob") from exc


def _check_trailer(data: bytes, fh: BinaryIO) -> None:
    while data:
        if data.strip(b"\0"):
            raise LayerError("decompress layer: garbage after the end of the gzip stream")
        data = fh.read(CHUNK)


def _unzstd(head: bytes, fh: BinaryIO) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    source = _Prefixed(head, fh)
    try:
        with dctx.stream_reader(source, read_size=CHUNK, read_across_frames=True, closefd=False) as reader:
            while chunk := reader.read(CHUNK):
                yield chunk
    except zstandard.ZstdError as exc:
        raise LayerError(f"decompress layer: corrupt or truncated zstd data ({exc}); re-download the blob") from exc


class _Prefixed:
    """A file-like reader that first returns ``head`` (bytes already consumed for detection)."""

    def __init__(self, head: bytes, fh: BinaryIO) -> None:
        self._head = head
        self._fh = fh

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._fh.read(n)


def compressor(compression: str, level: int | None = None) -> Callable[[bytes | None], bytes]:
    """A function that compresses chunks; call it with ``None`` to flush the end of the stream.

    Output is deterministic for a given input (gzip header has mtime 0 and no file name).
    """
    media_type_for(compression)
    if compression == GZIP:
        comp = zlib.compressobj(6 if level is None else level, zlib.DEFLATED, 31)
        return lambda data: comp.compress(data) if data is not None else comp.flush()
    if compression == ZSTD:
        zc = zstandard.ZstdCompressor(level=3 if level is None else level, write_checksum=True).compressobj()
        return lambda data: zc.compress(data) if data is not None else zc.flush()
    return lambda data: data if data is not None else b""


_END = object()


class Prefetcher:
    """Runs a chunk iterator (read + decompress) and ``on_chunk`` (e.g. hashing) in a thread, a few chunks ahead.

    zlib, zstd and hashlib release the GIL on large buffers, so this overlaps with the consumer's file writes,
    as ``tar -xz`` overlaps with its ``gzip -d`` child. Always ``close()`` it.
    """

    def __init__(self, chunks: Iterator[bytes], on_chunk: Callable[[bytes], object], depth: int = 4) -> None:
        self._queue: queue.Queue[object] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(chunks, on_chunk), daemon=True)
        self._thread.start()

    def _run(self, chunks: Iterator[bytes], on_chunk: Callable[[bytes], object]) -> None:
        try:
            for chunk in chunks:
                on_chunk(chunk)
                if not self._put(chunk):
                    return
            self._put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> "Prefetcher":
        return self

    def __next__(self) -> bytes:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)
            raise StopIteration
        if isinstance(item, BaseException):
            self._queue.put(item)
            raise item
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()
