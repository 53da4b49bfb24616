"""The content store under DOCKYARD_ROOT: verified blobs, the image index, unpacked layers, garbage collection.

Layout: ``blobs/sha256/<hex>`` (named only after the digest and size are verified; partial data lives in
``blobs/tmp/``), ``images/index.json`` (tags, image records and ``pulled``: reference -> last pull time; atomic
writes), ``layers/<chain id hex>/`` (unpacked in ``layers/.tmp/`` then renamed), ``blobs/diffid/<blob hex>`` (the
diff_id a layer blob was seen to uncompress to: an unpacked layer is reused only for a blob known to yield it).
Writers hold ``gc.lock`` shared; garbage collection holds it exclusively, so it never frees what a concurrent pull
is still writing. A failed pull frees everything it fetched (``tidy``), verified or not.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from runtime.errors import DigestMismatchError, ImageError
from runtime.images.platform import Manifest, parse_manifest
from runtime.state import atomic_write, file_lock, fsync_dir

_COPY_CHUNK = 1 << 20


def default_root() -> Path:
    return Path(os.environ.get("DOCKYARD_ROOT", "/var/lib/dockyard"))


def hex_of(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or not all(c in "0123456789abcdef" for c in hexpart):
        raise ImageError(f"content store: unsupported digest {digest!r} (sha256 only)")
    return hexpart


def _sha256(data: bytes = b""):  # noqa: ANN202 - hashlib (and OpenSSL) load on the first hash: a run hashes nothing
    import hashlib

    return hashlib.sha256(data)


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI ChainIDs: chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n])."""
    out: list[str] = []
    for diff in diff_ids:
        out.append(diff if not out else "sha256:" + _sha256(f"{out[-1]} {diff}".encode()).hexdigest())
    return out


class BlobSink:
    """A writable, resettable temp file that hashes what it receives and refuses more than ``size`` bytes."""

    def __init__(self, fh: BinaryIO, digest: str | None, size: int | None) -> None:
        self._fh, self.expected, self.limit = fh, digest, size
        self.reset()

    def reset(self) -> None:
        self._fh.seek(0)
        self._fh.truncate()
        self._hash, self.written = _sha256(), 0

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.limit is not None and self.written > self.limit:
            raise DigestMismatchError(f"blob {self.expected}: more than the announced {self.limit} bytes")
        self._hash.update(chunk)
        self._fh.write(chunk)

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def verify(self) -> None:
        if self.limit is not None and self.written != self.limit:
            raise DigestMismatchError(f"blob {self.expected}: got {self.written} bytes, expected {self.limit}")
        if self.expected is not None and self.digest != self.expected:
            raise DigestMismatchError(f"blob {self.expected}: content hashes to {self.digest}")


class ContentStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.blobs = self.root / "blobs" / "sha256"
        self.tmp = self.root / "blobs" / "tmp"
        self.layers = self.root / "layers"
        self.verified = self.root / "blobs" / "diffid"
        self.index_path = self.root / "images" / "index.json"
        for path in (self.blobs, self.tmp, self.layers / ".tmp", self.verified, self.index_path.parent):
            path.mkdir(parents=True, exist_ok=True)

    # ---- locks -------------------------------------------------------------------------------------------
    def gc_lock(self, *, shared: bool, blocking: bool = True) -> contextlib.AbstractContextManager[None]:
        return file_lock(self.root / "gc.lock", shared=shared, blocking=blocking)

    def tidy(self) -> None:
        """Free what a failed operation left behind, unless another operation is running (then it waits)."""
        try:
            with self.gc_lock(shared=False, blocking=False):
                self.collect_garbage()
        except BlockingIOError:
            pass

    # ---- blobs -------------------------------------------------------------------------------------------
    def blob_path(self, digest: str) -> Path:
        return self.blobs / hex_of(digest)

    def has_blob(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    def read_blob(self, digest: str) -> bytes:
        try:
            return self.blob_path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise ImageError(f"content store: blob {digest} is missing; pull the image again") from exc

    def write_blob(self, digest: str, size: int | None, fill: Callable[[BlobSink], None]) -> bool:
        """Run ``fill`` to produce blob ``digest`` unless present; verify, then name it. True if written."""
        final = self.blob_path(digest)
        if final.is_file():
            return False
        with file_lock(self.tmp / f"{hex_of(digest)}.lock"):
            if final.is_file():  # another process finished it while we waited
                return False
            partial = self.tmp / f"{hex_of(digest)}.partial"
            with open(partial, "w+b") as fh:
                sink = BlobSink(fh, digest, size)
                try:
                    fill(sink)
                    sink.verify()
                    fh.flush()
                    os.fsync(fh.fileno())
                except BaseException:
                    with contextlib.suppress(OSError):
                        partial.unlink()
                    raise
            os.chmod(partial, 0o444)
            os.replace(partial, final)
            fsync_dir(self.blobs)
        return True

    def put_bytes(self, data: bytes, digest: str | None = None) -> str:
        """Store in-memory content; if ``digest`` is given it must match."""
        actual = "sha256:" + _sha256(data).hexdigest()
        if digest is not None and digest != actual:
            raise DigestMismatchError(f"content announced as {digest} hashes to {actual}")
        self.write_blob(actual, len(data), lambda sink: sink.write(data))
        return actual

    def ingest(self, stream: BinaryIO) -> tuple[str, int]:
        """Store a stream of unknown digest (archive import); returns (digest, size)."""
        tmp = self.tmp / f"ingest.{os.getpid()}.{os.urandom(6).hex()}"
        try:
            with open(tmp, "w+b") as fh:
                sink = BlobSink(fh, None, None)
                while chunk := stream.read(_COPY_CHUNK):
                    sink.write(chunk)
            digest = sink.digest

            def copy(dest: BlobSink) -> None:
                with open(tmp, "rb") as src:
                    while chunk := src.read(_COPY_CHUNK):
                        dest.write(chunk)
            self.write_blob(digest, sink.written, copy)
            return digest, sink.written
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def manifest(self, digest: str) -> Manifest:
        parsed = parse_manifest(self.read_blob(digest))
        if not isinstance(parsed, Manifest):
            raise ImageError(f"content store: {digest} is an index, not an image manifest")
        return parsed

    # ---- image index -------------------------------------------------------------------------------------
    def read_index(self) -> dict:
        try:
            doc = json.loads(self.index_path.read_text())
        except FileNotFoundError:
            doc = {}
        except ValueError as exc:
            raise ImageError(f"content store: {self.index_path} is corrupt ({exc})") from exc
        doc.setdefault("images", {})
        doc.setdefault("tags", {})
        return doc

    @contextlib.contextmanager
    def edit_index(self) -> Iterator[dict]:
        """Read-modify-write the index under its lock; written atomically when the block exits cleanly."""
        with file_lock(self.index_path.with_suffix(".lock")):
            doc = self.read_index()
            yield doc
            atomic_write(self.index_path, json.dumps(doc, indent=1, sort_keys=True).encode())

    # ---- layers ------------------------------------------------------------------------------------------
    def layer_dir(self, chain_id: str) -> Path:
        return self.layers / hex_of(chain_id)

    def ensure_layer(self, chain_id: str, blob_digest: str, media_type: str | None, diff_id: str) -> Path:
        """Unpack a layer blob once into ``layers/<chain>/``, checking the diff_id it yields.

        An already unpacked layer is reused only for a blob known to yield ``diff_id``; another blob is hashed
        first, so a config cannot pair new content with a layer that is already here."""
        dest = self.layer_dir(chain_id)
        if dest.is_dir() and self._known_diff_id(blob_digest) == diff_id:
            return dest
        staging = self.layers / ".tmp"
        with file_lock(staging / f"{hex_of(chain_id)}.lock"):
            if dest.is_dir():
                self._check_diff_id(blob_digest, media_type, diff_id)
                return dest
            for stale in staging.glob(f"{hex_of(chain_id)}.*.d"):
                force_rmtree(stale)
            work = staging / f"{hex_of(chain_id)}.{os.urandom(4).hex()}.d"
            work.mkdir()
            try:
                from runtime.images.layers import unpack_layer  # written alongside; imported lazily
                got = unpack_layer(self.blob_path(blob_digest), work, media_type=media_type)
                _compare_diff_id(blob_digest, got, diff_id)
                os.rename(work, dest)
            except BaseException:
                force_rmtree(work)
                raise
            fsync_dir(self.layers)
            self._note_diff_id(blob_digest, diff_id)
        return dest

    def _known_diff_id(self, blob_digest: str) -> str | None:
        try:
            return (self.verified / hex_of(blob_digest)).read_text()
        except FileNotFoundError:
            return None

    def _note_diff_id(self, blob_digest: str, diff_id: str) -> None:
        atomic_write(self.verified / hex_of(blob_digest), diff_id.encode())

    def _check_diff_id(self, blob_digest: str, media_type: str | None, diff_id: str) -> None:
        """Hash what the blob uncompresses to (without unpacking) and require ``diff_id``; remember the result."""
        if self._known_diff_id(blob_digest) == diff_id:
            return
        from runtime.images.compression import decompressed_chunks
        hasher = _sha256()
        try:
            with open(self.blob_path(blob_digest), "rb") as fh:
                for chunk in decompressed_chunks(fh, media_type):
                    hasher.update(chunk)
        except FileNotFoundError as exc:
            raise ImageError(f"unpack layer {blob_digest}: blob is missing; pull the image again") from exc
        _compare_diff_id(blob_digest, "sha256:" + hasher.hexdigest(), diff_id)
        self._note_diff_id(blob_digest, diff_id)

    # ---- garbage collection ------------------------------------------------------------------------------
    def reachable(self, doc: dict) -> tuple[set[str], set[str]]:
        """(blob digests, layer chain ids) used by the images recorded in ``doc``."""
        blobs: set[str] = set()
        chains: set[str] = set()
        for image_id, record in doc["images"].items():
            blobs.update(d for d in (image_id, record.get("manifest"), record.get("index")) if d)
            if record.get("manifest") and self.has_blob(record["manifest"]):
                blobs.update(layer.digest for layer in self.manifest(record["manifest"]).layers)
            chains.update(record.get("chain_ids", []))
        return blobs, chains

    def collect_garbage(self) -> list[str]:
        """Free every blob and layer no image uses. Caller holds ``gc_lock(shared=False)``."""
        blobs, chains = self.reachable(self.read_index())
        keep_blobs = {hex_of(d) for d in blobs}
        keep_layers = {hex_of(c) for c in chains}
        freed: list[str] = []
        for path in self.blobs.iterdir():
            if path.name not in keep_blobs:
                path.unlink()
                freed.append(f"sha256:{path.name}")
        for path in self.layers.iterdir():
            if path.name != ".tmp" and path.name not in keep_layers:
                force_rmtree(path)
                freed.append(f"layer sha256:{path.name}")
        for path in self.verified.iterdir():
            if path.name not in keep_blobs:
                path.unlink()
        for path in [*self.tmp.iterdir(), *(self.layers / ".tmp").iterdir()]:
            force_rmtree(path)  # no writer runs while gc holds the lock exclusively
        return freed


def _compare_diff_id(blob_digest: str, got: str, diff_id: str) -> None:
    if got != diff_id:
        raise DigestMismatchError(
            f"unpack layer {blob_digest}: uncompressed content is {got}, config says {diff_id}; the image config "
            "and the layer disagree (a corrupt or tampered image): rebuild or re-push it")


def force_rmtree(path: Path) -> None:
    """Remove a file or tree even where layer content made directories read-only."""
    def onerror(func, failed, exc_info) -> None:  # noqa: ANN001
        parent = os.path.dirname(failed)
        with contextlib.suppress(OSError):
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, stat.S_IRWXU)
        func(failed)

    if path.is_symlink() or path.is_file() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.exists():
        import shutil

        shutil.rmtree(path, onerror=onerror)


def tree_size(path: Path) -> int:
    """Bytes used by regular files under ``path`` (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total
