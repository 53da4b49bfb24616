"""The build cache: step cache key -> the layer that step produced (or "no change"), one small JSON file per key.

Layout: ``DOCKYARD_ROOT/buildcache/keys/<hex of key>.json`` holding ``{"layer": {digest, diff_id, size,
media_type} | null, "created": RFC 3339}``. An entry is only valid while its layer blob is still in the content
store (image removal and prune free blobs no image uses); an invalid entry reads as a miss. Writes are
write-temp-then-rename, so concurrent builds never see half an entry.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from runtime.images.store import ContentStore, hex_of
from runtime.state import atomic_write


@dataclass(frozen=True)
class LayerBlob:
    """A layer blob in the content store: compressed digest and size, uncompressed diff_id, media type."""

    digest: str
    diff_id: str
    size: int
    media_type: str


@dataclass(frozen=True)
class CacheEntry:
    layer: LayerBlob | None  # None: the step changed nothing (e.g. WORKDIR of an existing directory)
    created: str


class BuildCache:
    def __init__(self, root: Path, store: ContentStore) -> None:
        self.dir = Path(root) / "buildcache" / "keys"
        self.store = store

    def _path(self, key: str) -> Path:
        return self.dir / f"{hex_of(key)}.json"

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key`` if it exists and its blob is still stored."""
        try:
            doc = json.loads(self._path(key).read_bytes())
            layer = LayerBlob(**doc["layer"]) if doc.get("layer") else None
            entry = CacheEntry(layer, str(doc["created"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if layer is not None and not self.store.has_blob(layer.digest):
            return None
        return entry

    def put(self, key: str, entry: CacheEntry) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        layer = entry.layer.__dict__ if entry.layer else None
        atomic_write(self._path(key), json.dumps({"layer": layer, "created": entry.created}).encode())

    def forget(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass
