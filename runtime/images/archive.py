"""Image archives: load ``docker save`` tarballs and OCI image layouts (directory or tar), save a tar that is
both, and import a root filesystem tar as a one-layer image. Archive members are only read by name, never
extracted, and every blob is verified against its digest before it is stored."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from runtime.errors import ImageError
from runtime.images.compression import decompressed_chunks, detect, media_type_for
from runtime.images.platform import OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, Descriptor, Index, Manifest, Platform, \
    parse_manifest, select_manifest
from runtime.images.reference import parse_reference
from runtime.images.store import ContentStore, hex_of
from runtime.state import fsync_dir

REF_NAME = "org.opencontainers.image.ref.name"
IMAGE_NAME = "io.containerd.image.name"
_EPOCH = 0


@dataclass(frozen=True)
class LoadedImage:
    manifest_digest: str
    index_digest: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class SaveEntry:
    manifest_digest: str
    tags: tuple[str, ...]  # normalized "registry/repo:tag"


class _Source:
    """Read members of an archive by name: a directory or a (possibly compressed) tar file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar: tarfile.TarFile | None = None
        if path.is_dir():
            return
        try:
            self._tar = tarfile.open(path, "r:*")
        except (OSError, tarfile.TarError) as exc:
            raise ImageError(f"load {path}: not a tar archive or OCI layout directory ({exc})") from exc

    def close(self) -> None:
        if self._tar:
            self._tar.close()

    def _norm(self, name: str) -> str:
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise ImageError(f"load {self.path}: member name {name!r} climbs out of the archive")
        return "/".join(parts)

    def exists(self, name: str) -> bool:
        name = self._norm(name)
        if self._tar is None:
            return (self.path / name).is_file()
        try:
            self._tar.getmember(name)
            return True
        except KeyError:
            return False

    def open(self, name: str) -> BinaryIO:
        name = self._norm(name)
        if self._tar is None:
            target = self.path / name
            if target.is_symlink() or not target.is_file():
                raise ImageError(f"load {self.path}: {name} is missing or not a regular file")
            return open(target, "rb")
        try:
            fh = self._tar.extractfile(self._tar.getmember(name))
        except KeyError:
            fh = None
        if fh is None:
            raise ImageError(f"load {self.path}: archive has no file {name!r}")
        return fh  # type: ignore[return-value]

    def read(self, name: str, limit: int = 16 << 20) -> bytes:
        with self.open(name) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ImageError(f"load {self.path}: {name} is larger than {limit} bytes")
        return data


def load_archive(store: ContentStore, path: Path, platform: Platform) -> list[LoadedImage]:
    """Copy the images of an archive into ``store`` (blobs only); the caller records and unpacks them."""
    src = _Source(path)
    try:
        if src.exists("index.json") and src.exists("oci-layout"):
            loaded = _load_oci(store, src, platform)  # keeps manifests (and their digests) as they are
            return _docker_tags(store, src, loaded) if src.exists("manifest.json") else loaded
        if src.exists("manifest.json"):
            return _load_docker(store, src)
        raise ImageError(f"load {path}: neither a docker save archive (manifest.json) nor an OCI layout "
                         "(oci-layout + index.json)")
    finally:
        src.close()


def _copy_blob(store: ContentStore, src: _Source, name: str, desc: Descriptor | None) -> tuple[str, int]:
    """Store member ``name``; verified against ``desc`` if given. Returns (digest, size)."""
    if desc is None:
        with src.open(name) as fh:
            return store.ingest(fh)

    def fill(sink) -> None:  # noqa: ANN001
        with src.open(name) as fh:
            while chunk := fh.read(1 << 20):
                sink.write(chunk)
    store.write_blob(desc.digest, desc.size, fill)
    return desc.digest, desc.size


def _load_docker(store: ContentStore, src: _Source) -> list[LoadedImage]:
    try:
        entries = json.loads(src.read("manifest.json"))
        assert isinstance(entries, list)
    except (ValueError, AssertionError) as exc:
        raise ImageError(f"load {src.path}: manifest.json is not a list of images") from exc
    loaded = []
    for entry in entries:
        try:
            config_name, layer_names = str(entry["Config"]), [str(n) for n in entry["Layers"]]
        except (KeyError, TypeError) as exc:
            raise ImageError(f"load {src.path}: manifest.json entry lacks Config/Layers") from exc
        config_digest = store.put_bytes(src.read(config_name))
        layers = []
        for name in layer_names:
            digest, size = _copy_blob(store, src, name, None)
            with open(store.blob_path(digest), "rb") as fh:
                media_type = media_type_for(detect(fh.read(4)))
            layers.append(Descriptor(media_type, digest, size))
        config = Descriptor(OCI_CONFIG, config_digest, store.blob_path(config_digest).stat().st_size)
        manifest_digest = store.put_bytes(_manifest_bytes(config, layers))
        tags = tuple(parse_reference(t).tagged() for t in entry.get("RepoTags") or [])
        loaded.append(LoadedImage(manifest_digest, None, tags))
    return loaded


def _docker_tags(store: ContentStore, src: _Source, loaded: list[LoadedImage]) -> list[LoadedImage]:
    """Fill in tags from docker's manifest.json (RepoTags) for OCI entries that carry no usable name."""
    try:
        entries = json.loads(src.read("manifest.json"))
        by_config = {str(e["Config"]).rsplit("/", 1)[-1].removesuffix(".json"): e.get("RepoTags") or []
                     for e in entries}
    except (ValueError, KeyError, TypeError, AttributeError):
        return loaded
    out = []
    for item in loaded:
        config_hex = hex_of(store.manifest(item.manifest_digest).config.digest)
        tags = item.tags or tuple(parse_reference(t).tagged() for t in by_config.get(config_hex, []))
        out.append(LoadedImage(item.manifest_digest, item.index_digest, tags))
    return out


def _manifest_bytes(config: Descriptor, layers: list[Descriptor]) -> bytes:
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.to_json(),
           "layers": [layer.to_json() for layer in layers]}
    return json.dumps(doc, separators=(",", ":")).encode()


def _load_oci(store: ContentStore, src: _Source, platform: Platform) -> list[LoadedImage]:
    index = parse_manifest(src.read("index.json"), OCI_INDEX)
    if not isinstance(index, Index):
        raise ImageError(f"load {src.path}: index.json is not an image index")
    loaded = []
    for desc in index.manifests:
        index_digest = None
        parsed = _copy_manifest(store, src, desc)
        if isinstance(parsed, Index):
            index_digest = desc.digest
            desc = select_manifest(parsed, platform)
            parsed = _copy_manifest(store, src, desc)
        if not isinstance(parsed, Manifest):
            raise ImageError(f"load {src.path}: {desc.digest} is not an image manifest")
        for blob in (parsed.config, *parsed.layers):
            _copy_blob(store, src, f"blobs/sha256/{hex_of(blob.digest)}", blob)
        loaded.append(LoadedImage(desc.digest, index_digest, _tags_of(desc)))
    return loaded


def _copy_manifest(store: ContentStore, src: _Source, desc: Descriptor) -> Manifest | Index:
    _copy_blob(store, src, f"blobs/sha256/{hex_of(desc.digest)}", desc)
    return parse_manifest(store.read_blob(desc.digest), desc.media_type)


def _tags_of(desc: Descriptor) -> tuple[str, ...]:
    name = desc.annotations.get(IMAGE_NAME) or desc.annotations.get(REF_NAME, "")
    if not name or not any(c in name for c in ":/"):
        return ()  # a bare tag without a repository name cannot be stored
    return (parse_reference(name).tagged(),)


def save_archive(store: ContentStore, entries: list[SaveEntry], path: Path) -> None:
    """Write ``path`` atomically: OCI layout (oci-layout, index.json, blobs/) plus docker's manifest.json."""
    index_entries, docker_entries, blobs = [], [], {}
    for entry in entries:
        data = store.read_blob(entry.manifest_digest)
        manifest = store.manifest(entry.manifest_digest)
        blobs[entry.manifest_digest] = None
        for blob in (manifest.config, *manifest.layers):
            blobs[blob.digest] = None
        desc = Descriptor(manifest.media_type, entry.manifest_digest, len(data))
        for tag in entry.tags or (None,):
            notes = {IMAGE_NAME: tag, REF_NAME: parse_reference(tag).tag or "latest"} if tag else {}
            index_entries.append(Descriptor(desc.media_type, desc.digest, desc.size, None, notes).to_json())
        docker_entries.append({"Config": f"blobs/sha256/{hex_of(manifest.config.digest)}",
                               "RepoTags": [parse_reference(t).familiar() for t in entry.tags],
                               "Layers": [f"blobs/sha256/{hex_of(layer.digest)}" for layer in manifest.layers]})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            _add_dir(tar, "blobs")
            _add_dir(tar, "blobs/sha256")
            for digest in blobs:
                _add_file(tar, f"blobs/sha256/{hex_of(digest)}", store.blob_path(digest))
            _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            _add_bytes(tar, "index.json", json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                       "manifests": index_entries}).encode())
            _add_bytes(tar, "manifest.json", json.dumps(docker_entries).encode())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _info(name: str, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mtime, info.mode = size, kind, _EPOCH, 0o755 if kind == tarfile.DIRTYPE else 0o444
    return info


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    tar.addfile(_info(name, 0, tarfile.DIRTYPE))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    with open(path, "rb") as fh:
        tar.addfile(_info(name, os.fstat(fh.fileno()).st_size), fh)


def import_rootfs(store: ContentStore, path: Path, platform: Platform, config: dict) -> str:
    """Store ``path`` (tar, tar.gz or tar.zst) as the single layer of a new image; returns its manifest digest."""
    try:
        with open(path, "rb") as fh:
            digest, size = store.ingest(fh)
    except OSError as exc:
        raise ImageError(f"import {path}: {exc.strerror}") from exc
    with open(store.blob_path(digest), "rb") as fh:
        media_type = media_type_for(detect(fh.read(4)))
        fh.seek(0)
        diff_id = _diff_id(decompressed_chunks(fh, media_type))
    image_config = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "architecture": platform.architecture, "os": platform.os, "config": dict(config),
                    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                    "history": [{"created_by": f"dockyard import {path.name}"}]}
    if platform.variant:
        image_config["variant"] = platform.variant
    config_bytes = json.dumps(image_config, separators=(",", ":")).encode()
    config_digest = store.put_bytes(config_bytes)
    layer = Descriptor(media_type, digest, size)
    return store.put_bytes(_manifest_bytes(Descriptor(OCI_CONFIG, config_digest, len(config_bytes)), [layer]))


def _diff_id(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


__all__ = ["LoadedImage", "SaveEntry", "import_rootfs", "load_archive", "save_archive"]
