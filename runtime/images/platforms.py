"""Platforms (os/architecture/variant) and multi-platform indexes: what a pull, a load or a build chooses among.
Re-exported by ``runtime.images.platform`` on first use: a run of a stored image reads one plain manifest and builds
neither (about 1 ms per dataclass at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runtime.images.platform import Descriptor


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}" + (f"/{self.variant}" if self.variant else "")

    def matches(self, other: Platform) -> bool:
        """True if ``other`` (an index entry) can serve this requested platform."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        if self.variant is None:
            return True
        return _norm_variant(self.architecture, self.variant) == _norm_variant(other.architecture, other.variant)


def _norm_variant(arch: str, variant: str | None) -> str | None:
    if arch == "arm64" and variant in (None, "v8"):
        return "v8"
    return variant


@dataclass(frozen=True)
class Index:
    media_type: str
    manifests: tuple[Descriptor, ...]
