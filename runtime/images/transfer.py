"""Pull and push: move an image between a registry and the content store (manifest, config, layers).

Loaded on the first pull or push (``ImageService`` imports it then); the thread pool and the logging it pulls load
with the pool. (``image_config_of`` and ``unpack_all`` live in ``runtime.images.unpack``, re-exported here.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from runtime.errors import ImageError
from runtime.images.platform import Descriptor, Index, Manifest, Platform, config_platform, parse_manifest, \
    select_manifest
from runtime.images.reference import Reference
from runtime.images.store import ContentStore, chain_ids
from runtime.images.unpack import image_config_of, run_all, unpack_all  # noqa: F401 (unpack_all: re-exported)

if TYPE_CHECKING:  # the HTTP client (httpx) loads only when a registry is talked to
    from runtime.images.registry import RegistryClient


@dataclass(frozen=True)
class PullProgress:
    """One progress report for one blob; sent from worker threads. ``phase``: waiting, exists, downloading,
    extracting, done (for layers) or pushing, mounted, uploaded (for push)."""

    reference: str
    digest: str
    phase: str
    current: int = 0
    total: int = 0


ProgressFn = Callable[[PullProgress], None]
MAX_CONFIG_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class PulledImage:
    image_id: str
    manifest_digest: str
    manifest_media_type: str
    index_digest: str | None
    platform: Platform
    chain_ids: tuple[str, ...]


def _emit(progress: ProgressFn | None, ref: str, digest: str, phase: str, current: int = 0, total: int = 0) -> None:
    if progress:
        progress(PullProgress(ref, digest, phase, current, total))


def pull_image(store: ContentStore, client: RegistryClient, ref: Reference, wanted: Platform, *,
               explicit_platform: bool, progress: ProgressFn | None, workers: int) -> PulledImage:
    """Fetch manifest (selecting from an index), config and layers; unpack layers; return what was stored."""
    repo, name = ref.repository, str(ref)
    fetched = client.get_manifest(repo, ref.manifest_ref)
    parsed = parse_manifest(fetched.data, fetched.media_type)
    index_digest = None
    if isinstance(parsed, Index):
        store.put_bytes(fetched.data, fetched.digest)
        index_digest = fetched.digest
        fetched = client.get_manifest(repo, select_manifest(parsed, wanted).digest)
        parsed = parse_manifest(fetched.data, fetched.media_type)
        if not isinstance(parsed, Manifest):
            raise ImageError(f"pull {name}: index entry {fetched.digest} is not an image manifest")
    manifest = parsed
    cfg = manifest.config
    if cfg.size > MAX_CONFIG_BYTES:
        raise ImageError(f"pull {name}: config {cfg.digest} claims {cfg.size} bytes (limit {MAX_CONFIG_BYTES})")
    store.write_blob(cfg.digest, cfg.size, lambda sink: client.fetch_blob(repo, cfg, sink))
    config = image_config_of(store, manifest)
    platform = config_platform(config)
    if explicit_platform and index_digest is None and not wanted.matches(platform):
        raise ImageError(f"pull {name}: image is {platform}, not the requested {wanted}")
    diff_ids = list(config["rootfs"]["diff_ids"])
    chains = chain_ids(diff_ids)

    def layer(i: int) -> None:
        desc = manifest.layers[i]
        _fetch_blob(store, client, repo, desc, name, progress)
        _emit(progress, name, desc.digest, "extracting", desc.size, desc.size)
        store.ensure_layer(chains[i], desc.digest, desc.media_type, diff_ids[i])
        _emit(progress, name, desc.digest, "done", desc.size, desc.size)

    for desc in manifest.layers:
        _emit(progress, name, desc.digest, "waiting", 0, desc.size)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="dockyard-pull") as pool:
        run_all(pool, layer, range(len(manifest.layers)))
    store.put_bytes(fetched.data, fetched.digest)
    return PulledImage(cfg.digest, fetched.digest, manifest.media_type, index_digest, platform, tuple(chains))


def _fetch_blob(store: ContentStore, client: RegistryClient, repo: str, desc: Descriptor, name: str,
                progress: ProgressFn | None) -> None:
    if store.has_blob(desc.digest):
        _emit(progress, name, desc.digest, "exists", desc.size, desc.size)
        return

    def report(done: int, total: int) -> None:
        _emit(progress, name, desc.digest, "downloading", done, total)
    store.write_blob(desc.digest, desc.size, lambda sink: client.fetch_blob(repo, desc, sink, report))


def push_image(store: ContentStore, client: RegistryClient, target: Reference, manifest_digest: str,
               media_type: str, *, mount_from: str | None, chunk_size: int | None,
               progress: ProgressFn | None, workers: int) -> str:
    """Upload config and layers the registry lacks (mounting when possible), then PUT the stored manifest."""
    repo, name = target.repository, str(target)
    data = store.read_blob(manifest_digest)
    manifest = store.manifest(manifest_digest)
    blobs = [manifest.config, *manifest.layers]

    def one(i: int) -> None:
        desc = blobs[i]
        if client.blob_exists(repo, desc.digest):
            _emit(progress, name, desc.digest, "exists", desc.size, desc.size)
            return
        _emit(progress, name, desc.digest, "pushing", 0, desc.size)
        path = store.blob_path(desc.digest)

        def chunks() -> Iterator[bytes]:
            done = 0
            for chunk in _read_chunks(path):
                done += len(chunk)
                _emit(progress, name, desc.digest, "pushing", done, desc.size)
                yield chunk
        how = client.upload_blob(repo, desc.digest, desc.size, chunks, chunk_size=chunk_size,
                                 mount_from=mount_from)
        _emit(progress, name, desc.digest, how, desc.size, desc.size)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="dockyard-push") as pool:
        run_all(pool, one, range(len(blobs)))
    return client.put_manifest(repo, target.tag or manifest_digest, data, media_type)


def _read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk
