"""Platforms (os/arch/variant), manifest media types, and parsing of manifests and indexes into descriptors."""

from __future__ import annotations

import json
import os
from dataclasses import field
from typing import TYPE_CHECKING, Any

from runtime.errors import ImageError
from runtime.records import record

if TYPE_CHECKING:
    from runtime.images.platforms import Index, Platform

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024

_ARCH_ALIASES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv6l": "arm", "i686": "386",
                 "i386": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def parse_platform(text: str) -> Platform:
    """``linux/arm64/v8`` -> Platform; ``arm64`` alone means linux/arm64."""
    parts = [p for p in text.strip().lower().split("/")]
    if len(parts) == 1:
        parts = ["linux", *parts]
    if not 2 <= len(parts) <= 3 or not all(parts):
        raise ImageError(f"invalid platform {text!r}: expected os/arch[/variant], e.g. linux/arm64/v8")
    from runtime.images.platforms import Platform

    arch = _ARCH_ALIASES.get(parts[1], parts[1])
    return Platform(parts[0], arch, parts[2] if len(parts) == 3 else None)


def host_platform() -> Platform:
    """The platform of this machine (linux/amd64 on x86_64)."""
    machine = os.uname().machine.lower()  # what platform.machine() reads, without loading that module
    arch = _ARCH_ALIASES.get(machine, machine)
    variant = {"arm64": "v8", "armv7l": "v7", "armv6l": "v6"}.get(arch if arch == "arm64" else machine)
    from runtime.images.platforms import Platform

    return Platform("linux", arch, variant)


def __getattr__(name: str) -> Any:
    """``Platform`` and ``Index`` are ``runtime.images.platforms``', loaded on first use."""
    if name in ("Platform", "Index"):
        from runtime.images import platforms

        value = getattr(platforms, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'runtime.images.platform' has no attribute {name!r}")


@record
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict:
        out: dict = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.platform:
            out["platform"] = {"os": self.platform.os, "architecture": self.platform.architecture}
            if self.platform.variant:
                out["platform"]["variant"] = self.platform.variant
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@record
class Manifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]


def load_json(data: bytes, what: str) -> dict:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"parse {what}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ImageError(f"parse {what}: expected a JSON object")
    return doc


def parse_descriptor(raw: object, what: str) -> Descriptor:
    if not isinstance(raw, dict):
        raise ImageError(f"parse {what}: descriptor is not an object")
    try:
        digest, size = str(raw["digest"]), int(raw["size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ImageError(f"parse {what}: descriptor lacks a valid digest/size") from exc
    from runtime.images.reference import validate_digest
    validate_digest(digest, context=what)
    if size < 0:
        raise ImageError(f"parse {what}: negative size for {digest}")
    plat = raw.get("platform")
    platform = None
    if isinstance(plat, dict):
        from runtime.images.platforms import Platform

        platform = Platform(str(plat.get("os", "")), str(plat.get("architecture", "")), plat.get("variant"))
    annotations = raw.get("annotations") or {}
    return Descriptor(str(raw.get("mediaType", "")), digest, size, platform, dict(annotations))


def parse_manifest(data: bytes, media_type: str | None = None) -> Manifest | Index:
    """Parse manifest bytes; the document's own mediaType wins over the transport's content type."""
    doc = load_json(data, "manifest")
    kind = doc.get("mediaType") or media_type or ""
    if not kind:
        kind = OCI_INDEX if "manifests" in doc else OCI_MANIFEST
    if kind in INDEX_TYPES:
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise ImageError("parse index: 'manifests' is not a list")
        from runtime.images.platforms import Index

        return Index(kind, tuple(parse_descriptor(e, "index entry") for e in entries))
    if kind in MANIFEST_TYPES:
        layers = doc.get("layers")
        if not isinstance(layers, list):
            raise ImageError("parse manifest: 'layers' is not a list")
        return Manifest(kind, parse_descriptor(doc.get("config"), "manifest config"),
                        tuple(parse_descriptor(entry, "manifest layer") for entry in layers))
    raise ImageError(f"parse manifest: unsupported media type {kind!r} (schema 1 images are not supported)")


def select_manifest(index: Index, wanted: Platform) -> Descriptor:
    """Pick the entry serving ``wanted``; an exact variant beats an entry without one."""
    candidates = [d for d in index.manifests if d.platform and d.media_type not in INDEX_TYPES
                  and wanted.matches(d.platform)]
    if not candidates:
        offered = ", ".join(str(d.platform) for d in index.manifests if d.platform) or "none"
        raise ImageError(f"select platform {wanted}: no matching manifest in index (offered: {offered})")
    exact = [d for d in candidates if d.platform and d.platform.variant == wanted.variant]
    return (exact or candidates)[0]


def config_platform(config: dict) -> Platform:
    from runtime.images.platforms import Platform

    return Platform(str(config.get("os", "linux")), str(config.get("architecture", "")), config.get("variant"))
