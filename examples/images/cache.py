"""The rootfs cache: zstd tars keyed by (image, packages, files, Debian suite, mirrors), the shared .deb
directory, build logs and a lock so two builds never race. Finished tars appear by rename only."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from examples.images.recipes import SUITE, Recipe

DEFAULT_CACHE = Path("/var/cache/dockyard/images")


def cache_root(explicit: Path | None = None) -> Path:
    """``explicit``, else ``$DOCKYARD_IMAGE_CACHE``, else /var/cache/dockyard/images."""
    return Path(explicit or os.environ.get("DOCKYARD_IMAGE_CACHE") or DEFAULT_CACHE)


def recipe_key(recipe: Recipe) -> str:
    material = json.dumps(recipe.key_material(), sort_keys=True).encode()
    return hashlib.sha256(material).hexdigest()[:16]


@dataclass(frozen=True)
class CachedRootfs:
    """A finished rootfs tar and what is known about it."""

    tar: Path
    blob_digest: str  # sha256 of the compressed tar: the layer digest an import of it gets
    tar_bytes: int
    build_seconds: float


@dataclass(frozen=True)
class ImageCache:
    root: Path

    @property
    def debs(self) -> Path:
        return self.root / "debs"

    @property
    def work(self) -> Path:
        return self.root / "work"

    def log(self, name: str) -> Path:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        return self.root / "logs" / f"{name}.log"

    def tar_path(self, recipe: Recipe) -> Path:
        return self.root / "rootfs" / f"{recipe.name}-{SUITE}-{recipe_key(recipe)}.tar.zst"

    def lookup(self, recipe: Recipe) -> CachedRootfs | None:
        """The cached rootfs of ``recipe`` if it is complete (tar and its metadata both present)."""
        tar = self.tar_path(recipe)
        meta = tar.with_suffix(".json")
        if not tar.is_file() or not meta.is_file():
            return None
        doc = json.loads(meta.read_text())
        return CachedRootfs(tar, doc["blob_digest"], tar.stat().st_size, doc.get("build_seconds", 0.0))

    def store(self, recipe: Recipe, tar: Path, build_seconds: float) -> CachedRootfs:
        """Record a freshly packed ``tar`` (already at ``tar_path``) with its digest and build time."""
        digest = hashlib.sha256()
        with open(tar, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        doc = {"ref": recipe.ref, "key": recipe.key_material(), "blob_digest": "sha256:" + digest.hexdigest(),
               "build_seconds": round(build_seconds, 1), "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                     time.gmtime())}
        meta = tar.with_suffix(".json")
        part = meta.with_name(meta.name + ".part")
        part.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(part, meta)
        return CachedRootfs(tar, doc["blob_digest"], tar.stat().st_size, build_seconds)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cache's build lock (other builders wait, then find the tars already made)."""
        (self.root / "rootfs").mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
