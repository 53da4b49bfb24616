"""The image part of the in-memory runtime (``FakeRuntime.images``): references in a dict, scripted pull errors,
and records of what was pulled, pushed and removed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from runtime import ImageNotFoundError


@dataclass
class FakeImage:
    id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...] = ()
    manifest_digest: str = ""
    created: str = "2026-01-01T00:00:00Z"
    size: int = 1024
    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None


class FakeImages:
    """The ImageService subset compose uses, over a dict of references."""

    def __init__(self) -> None:
        self.by_ref: dict[str, FakeImage] = {}
        self.pull_errors: dict[str, Exception] = {}
        self.pulled: list[str] = []
        self.pushed: list[str] = []
        self.removed: list[str] = []
        self.pull_times: dict[str, float] = {}  # normalized reference -> when it was last pulled
        self.clock: float = 1_000_000.0  # what a pull records as its time

    def add(self, ref: str, image_id: str | None = None) -> FakeImage:
        image_id = image_id or "sha256:" + hashlib.sha256(ref.encode()).hexdigest()
        image = FakeImage(image_id, (ref,))
        self.by_ref[_norm(ref)] = image
        return image

    def pull(self, ref: str, platform: Any = None, progress: Any = None, **_: Any) -> FakeImage:
        if ref in self.pull_errors:
            raise self.pull_errors[ref]
        self.pulled.append(ref)
        self.pull_times[_norm(ref)] = self.clock
        if progress is not None:
            progress(ref)
        return self.by_ref.get(_norm(ref)) or self.add(ref)

    def pulled_at(self, ref: str) -> float | None:
        """Like ``ImageService.pulled_at``: the last pull's time; None for absent images or ones never pulled."""
        return self.pull_times.get(_norm(ref)) if _norm(ref) in self.by_ref else None

    def push(self, ref: str, dest: str | None = None, **_: Any) -> str:
        self.resolve(ref)
        self.pushed.append(dest or ref)
        return "sha256:" + "0" * 64

    def resolve(self, ref: str) -> str:
        image = self.by_ref.get(_norm(ref)) or next((i for i in self.by_ref.values() if i.id == ref), None)
        if image is None:
            raise ImageNotFoundError(f"image {ref}: not found in the local store")
        return image.id

    def list(self) -> list[FakeImage]:
        return list({i.id: i for i in self.by_ref.values()}.values())

    def inspect(self, ref: str) -> dict:
        image_id = self.resolve(ref)
        image = next(i for i in self.by_ref.values() if i.id == image_id)
        return {"Id": image.id, "RepoTags": list(image.repo_tags), "Size": image.size, "Created": image.created}

    def image_config(self, ref: str) -> dict:
        self.resolve(ref)
        return {"Cmd": ["sh"]}

    def remove(self, ref: str, force: bool = False) -> Any:
        image_id = self.resolve(ref)
        self.by_ref = {k: v for k, v in self.by_ref.items() if v.id != image_id}
        self.removed.append(ref)
        return type("Removed", (), {"untagged": (ref,), "deleted": (image_id,), "freed": ()})()

    def prune(self, all: bool = False) -> Any:  # noqa: A002
        return type("Removed", (), {"untagged": (), "deleted": (), "freed": ()})()


def _norm(ref: str) -> str:
    return ref if ":" in ref.rsplit("/", 1)[-1] or "@" in ref else f"{ref}:latest"
