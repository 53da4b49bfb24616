"""What the image service reads back: an image's summary and what a removal did. Loaded on first use (a run of
an image already present builds neither; about 1 ms per dataclass at import), re-exported by
``runtime.images.service``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    manifest_digest: str
    created: str
    size: int
    os: str
    architecture: str
    variant: str | None = None


@dataclass(frozen=True)
class RemovedImages:
    untagged: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    freed: tuple[str, ...] = ()
