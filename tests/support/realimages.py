"""The realistic local images (``dockyard.local/{debian,python,redis,nginx}``, built from Debian packages by
``examples/images``) in a dockyard store, for tests.

``ensure_real_images(root)`` imports them into the store at ``root`` from the rootfs cache
(``$DOCKYARD_IMAGE_CACHE``, default /var/cache/dockyard/images), building the cache first if it is cold (a few
minutes, Debian mirrors only). It is idempotent and takes well under a second when the store already has them.

``real_images`` is a session-scoped fixture: one store with all four images, shared read-only by a session's
tests (import it into a conftest: ``from tests.support.realimages import real_images  # noqa: F401``).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pytest

from examples.images.build import ImageResult, ensure_images
from examples.images.cache import ImageCache, cache_root
from examples.images.recipes import DEBIAN, NGINX, PYTHON, RECIPES, REDIS

DEBIAN_REF, PYTHON_REF, REDIS_REF, NGINX_REF = DEBIAN.ref, PYTHON.ref, REDIS.ref, NGINX.ref
REAL_IMAGE_REFS: tuple[str, ...] = (DEBIAN_REF, PYTHON_REF, REDIS_REF, NGINX_REF)


def real_images_unavailable() -> str | None:
    """Why the real images cannot be made here (a skip reason), or None. Building needs mmdebstrap and zstd;
    importing from a warm cache needs only root."""
    if os.geteuid() != 0:
        return "building/importing the Debian images needs root"
    cache = ImageCache(cache_root())
    if all(cache.lookup(recipe) for recipe in RECIPES):
        return None
    for tool in ("mmdebstrap", "unshare", "zstd"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {'util-linux' if tool == 'unshare' else tool})"
    return None


def ensure_real_images(root: Path, refs: Sequence[str] = REAL_IMAGE_REFS, *,
                       cache: Path | None = None) -> list[ImageResult]:
    """Make sure ``refs`` are in the dockyard store at ``root`` (imported from the cache, built if missing)."""
    return ensure_images(Path(root), list(refs), cache=cache)


@dataclass(frozen=True)
class RealImages:
    """A store holding the real images; ``refs`` are their references."""

    root: Path
    refs: tuple[str, ...]
    results: tuple[ImageResult, ...]


@pytest.fixture(scope="session")
def real_images(tmp_path_factory) -> RealImages:
    """All four real images in one session-wide store (treat it as read-only)."""
    reason = real_images_unavailable()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("realimages-root")
    results = ensure_real_images(root)
    return RealImages(root, REAL_IMAGE_REFS, tuple(results))
