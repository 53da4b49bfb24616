"""ImageService: the image operations of the runtime (pull, push, list, inspect, remove, prune, load, save,
import) over one content store. Progress callbacks receive ``PullProgress`` from worker threads.

Plain-HTTP registries: ``insecure_registries``, DOCKYARD_INSECURE_REGISTRIES, or ``<root>/registries.json``
(``{"insecure": ["host:port", ...]}``). Each pull records its time per reference (``pulled_at``)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from runtime.errors import ImageError, ImageNotFoundError, InvalidReferenceError
from runtime.images.platform import host_platform, parse_platform
from runtime.images.reference import Reference, parse_reference
from runtime.images.store import ContentStore, hex_of, tree_size
from runtime.images.unpack import image_config_of, unpack_all

if TYPE_CHECKING:  # the pull/push code, httpx and the credential lookup load on the first pull or push
    from runtime.images.auth import CredentialStore
    from runtime.images.registry import RegistryClient
    from runtime.images.info import ImageInfo, RemovedImages
    from runtime.images.platforms import Platform
    from runtime.images.transfer import ProgressFn, PullProgress

__all__ = ["ImageInfo", "ImageService", "PullProgress", "RemovedImages"]


def __getattr__(name: str) -> Any:
    """``PullProgress`` and ``ProgressFn`` are ``runtime.images.transfer``'s, ``ImageInfo`` and ``RemovedImages``
    ``runtime.images.info``'s, loaded on first use."""
    if name in ("ImageInfo", "RemovedImages"):
        from runtime.images import info

        return getattr(info, name)
    if name in ("PullProgress", "ProgressFn"):
        from runtime.images import transfer

        return getattr(transfer, name)
    raise AttributeError(f"module 'runtime.images.service' has no attribute {name!r}")


class ImageService:
    def __init__(self, root: Path | None = None, *, credentials: CredentialStore | None = None,
                 insecure_registries: frozenset[str] = frozenset(), workers: int = 4,
                 in_use: Callable[[], set[str]] | None = None) -> None:
        """``in_use`` returns the image ids containers still use; remove/prune spare those."""
        self.store = ContentStore(root)
        self._credentials = credentials  # None: the docker config's, looked up by the client on each use
        self._insecure = insecure_registries
        self._workers = workers
        self._in_use = in_use or (lambda: set())

    def client(self, registry: str, insecure: bool | None = None) -> RegistryClient:
        from runtime.images.auth import CredentialStore
        from runtime.images.registry import RegistryClient, is_insecure

        if insecure is None and (registry in self._insecure or is_insecure(registry, self.store.root)):
            insecure = True
        return RegistryClient(registry, credentials=self._credentials or CredentialStore(), insecure=insecure)

    # ---- registry ----------------------------------------------------------------------------------------
    def pull(self, ref: str, platform: str | Platform | None = None, progress: ProgressFn | None = None, *,
             insecure: bool | None = None) -> ImageInfo:
        from runtime.images.transfer import pull_image

        reference = parse_reference(ref)
        wanted = parse_platform(platform) if isinstance(platform, str) else (platform or host_platform())
        try:
            with self.store.gc_lock(shared=True), self.client(reference.api_host, insecure) as client:
                pulled = pull_image(self.store, client, reference, wanted, explicit_platform=platform is not None,
                                    progress=progress, workers=self._workers)
                self._record(pulled.image_id, pulled.manifest_digest, pulled.manifest_media_type,
                             pulled.index_digest, list(pulled.chain_ids), reference,
                             repo_digest=f"{reference.name}@{pulled.manifest_digest}", pulled=True)
        except BaseException:
            self.store.tidy()  # fail closed: nothing half-pulled stays behind
            raise
        return self._info(pulled.image_id)

    def push(self, ref: str, dest: str | None = None, *, chunk_size: int | None = None,
             progress: ProgressFn | None = None, insecure: bool | None = None) -> str:
        """Push local image ``ref`` (to ``dest`` if given); returns the manifest digest."""
        from runtime.images.transfer import push_image

        image_id = self.resolve(ref)
        target = parse_reference(dest or ref)
        doc = self.store.read_index()
        record = doc["images"][image_id]
        mount_from = _mount_source(record["repo_digests"], target)
        with self.store.gc_lock(shared=True), self.client(target.api_host, insecure) as client:
            digest = push_image(self.store, client, target, record["manifest"], record["media_type"],
                                mount_from=mount_from, chunk_size=chunk_size, progress=progress,
                                workers=self._workers)
        with self.store.edit_index() as doc:
            digests = doc["images"].get(image_id, {}).get("repo_digests")
            if digests is not None and f"{target.name}@{digest}" not in digests:
                digests.append(f"{target.name}@{digest}")
        return digest

    # ---- local records -----------------------------------------------------------------------------------
    def _record(self, image_id: str, manifest_digest: str, media_type: str, index_digest: str | None,
                chains: list[str], reference: Reference | None, *, repo_digest: str | None = None,
                extra_tags: tuple[str, ...] = (), pulled: bool = False) -> None:
        """Index an image; ``pulled``: also note when ``reference`` was pulled (``pulled_at``)."""
        config = json.loads(self.store.read_blob(image_id))
        size = sum(tree_size(self.store.layer_dir(c)) for c in chains)
        with self.store.edit_index() as doc:
            record = doc["images"].setdefault(image_id, {"repo_digests": [], "added": time.time()})
            record.update(manifest=manifest_digest, media_type=media_type, index=index_digest, chain_ids=chains,
                          size=size, created=config.get("created", ""))
            if repo_digest and repo_digest not in record["repo_digests"]:
                record["repo_digests"].append(repo_digest)
            tags = list(extra_tags) + ([reference.tagged()] if reference and reference.tag else [])
            for tag in tags:
                doc["tags"][tag] = image_id
            if pulled and reference is not None:
                doc.setdefault("pulled", {})[_pull_key(reference)] = time.time()

    def pulled_at(self, ref: str) -> float | None:
        """When ``ref`` was last pulled (epoch seconds); for images indexed before pull times were recorded, or
        built/loaded ones, when the image entered the store. None if ``ref`` is not in the store."""
        try:
            image_id = self.resolve(ref)
        except ImageNotFoundError:
            return None
        doc = self.store.read_index()
        with contextlib.suppress(InvalidReferenceError):
            when = (doc.get("pulled") or {}).get(_pull_key(parse_reference(ref)))
            if when is not None:
                return float(when)
        added = doc["images"][image_id].get("added")
        return None if added is None else float(added)

    def resolve(self, ref: str) -> str:
        """Image id for a tag, ``name@digest``, full id, or unique id prefix."""
        doc = self.store.read_index()
        bare = ref.removeprefix("sha256:")
        if len(bare) >= 4 and all(c in "0123456789abcdef" for c in bare):
            hits = [i for i in doc["images"] if hex_of(i).startswith(bare)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise ImageError(f"image id prefix {ref!r} is ambiguous ({len(hits)} images); give more digits")
        try:
            reference = parse_reference(ref)
        except InvalidReferenceError:
            raise ImageNotFoundError(f"no such image: {ref}") from None
        if reference.digest:
            wanted = f"{reference.name}@{reference.digest}"
            for image_id, record in doc["images"].items():
                if wanted in record["repo_digests"]:
                    return image_id
        elif reference.tagged() in doc["tags"]:
            return doc["tags"][reference.tagged()]
        raise ImageNotFoundError(f"no such image: {ref} (pull or load it first)")

    def has(self, ref: str) -> bool:
        """True if ``ref`` names an image in the local store."""
        try:
            self.resolve(ref)
        except ImageNotFoundError:
            return False
        return True

    def get(self, ref: str) -> ImageInfo:
        return self._info(self.resolve(ref))

    def _info(self, image_id: str, doc: dict | None = None) -> ImageInfo:
        from runtime.images.info import ImageInfo

        doc = doc or self.store.read_index()
        record = doc["images"][image_id]
        config = json.loads(self.store.read_blob(image_id))
        tags = tuple(sorted(_familiar(t) for t, i in doc["tags"].items() if i == image_id))
        return ImageInfo(id=image_id, repo_tags=tags,
                         repo_digests=tuple(_familiar(d) for d in record["repo_digests"]),
                         manifest_digest=record["manifest"], created=record.get("created", ""),
                         size=record.get("size", 0), os=config.get("os", ""),
                         architecture=config.get("architecture", ""), variant=config.get("variant"))

    def list(self) -> list[ImageInfo]:
        doc = self.store.read_index()
        return sorted((self._info(i, doc) for i in doc["images"]), key=lambda info: info.created, reverse=True)

    def image_config(self, ref: str) -> dict:
        return json.loads(self.store.read_blob(self.resolve(ref)))

    def inspect(self, ref: str) -> dict:
        """``docker image inspect``-like document."""
        info = self._info(self.resolve(ref))
        config = self.image_config(info.id)
        doc = {"Id": info.id, "RepoTags": list(info.repo_tags), "RepoDigests": list(info.repo_digests),
               "Created": info.created, "Config": config.get("config") or {}, "Architecture": info.architecture,
               "Os": info.os, "Size": info.size, "Author": config.get("author", ""),
               "Comment": config.get("comment", ""),
               "RootFS": {"Type": config.get("rootfs", {}).get("type", "layers"),
                          "Layers": list(config.get("rootfs", {}).get("diff_ids", []))},
               "Descriptor": {"mediaType": self.store.read_index()["images"][info.id]["media_type"],
                              "digest": info.manifest_digest}}
        if info.variant:
            doc["Variant"] = info.variant
        return doc

    def rootfs_layers(self, ref: str) -> list[Path]:
        """Unpacked layer directories, lowest first (overlayfs lowerdir takes them reversed)."""
        image_id = self.resolve(ref)
        record = self.store.read_index()["images"][image_id]
        manifest = self.store.manifest(record["manifest"])
        with self.store.gc_lock(shared=True):
            chains = unpack_all(self.store, manifest, image_config_of(self.store, manifest))
        return [self.store.layer_dir(c) for c in chains]

    # ---- removal -----------------------------------------------------------------------------------------
    def tag(self, ref: str, new: str) -> None:
        image_id = self.resolve(ref)
        target = parse_reference(new)
        if target.digest:
            raise InvalidReferenceError(f"tag {new!r}: a tag cannot carry a digest")
        with self.store.edit_index() as doc:
            doc["tags"][target.tagged()] = image_id

    def remove(self, ref: str, force: bool = False) -> RemovedImages:
        """Untag ``ref``; delete the image when no tag is left. By id: refuses several tags unless ``force``."""
        image_id = self.resolve(ref)
        by_id = _is_id_ref(ref, image_id) or not parse_reference(ref).tag
        with self.store.gc_lock(shared=False):
            with self.store.edit_index() as doc:
                tags = [t for t, i in doc["tags"].items() if i == image_id]
                if not by_id:
                    tags = [parse_reference(ref).tagged()]
                elif len(tags) > 1 and not force:
                    raise ImageError(f"remove image {ref}: referenced by {len(tags)} tags ({', '.join(tags)}); "
                                     "remove the tags or use force")
                for tag in tags:
                    doc["tags"].pop(tag, None)
                left = [t for t, i in doc["tags"].items() if i == image_id]
                deleted: tuple[str, ...] = ()
                if not left:
                    if image_id in self._in_use() and not force:
                        raise ImageError(f"remove image {ref}: in use by a container; remove the container first")
                    doc["images"].pop(image_id, None)
                    deleted = (image_id,)
            freed = self.store.collect_garbage()
        from runtime.images.info import RemovedImages

        return RemovedImages(tuple(_familiar(t) for t in tags), deleted, tuple(freed))

    def prune(self, all: bool = False) -> RemovedImages:  # noqa: A002 - mirrors `docker image prune --all`
        """Delete untagged images (every unused image with ``all``) and free their blobs and layers."""
        used = self._in_use()
        with self.store.gc_lock(shared=False):
            with self.store.edit_index() as doc:
                tagged = set(doc["tags"].values())
                doomed = [i for i in doc["images"] if i not in used and (all or i not in tagged)]
                untagged = [t for t, i in doc["tags"].items() if i in doomed]
                for tag in untagged:
                    del doc["tags"][tag]
                for image_id in doomed:
                    del doc["images"][image_id]
            freed = self.store.collect_garbage()
        from runtime.images.info import RemovedImages

        return RemovedImages(tuple(_familiar(t) for t in untagged), tuple(doomed), tuple(freed))

    # ---- archives ----------------------------------------------------------------------------------------
    def load(self, path: Path) -> list[str]:
        """Load a ``docker save`` tarball or an OCI layout (dir or tar); returns the loaded tags or ids."""
        from runtime.images import archive
        loaded: list[str] = []
        with self.store.gc_lock(shared=True):
            for item in archive.load_archive(self.store, Path(path), host_platform()):
                manifest = self.store.manifest(item.manifest_digest)
                chains = unpack_all(self.store, manifest, image_config_of(self.store, manifest))
                tags = tuple(parse_reference(t).tagged() for t in item.tags)
                self._record(manifest.config.digest, item.manifest_digest, manifest.media_type, item.index_digest,
                             list(chains), None, extra_tags=tags)
                loaded.extend(_familiar(t) for t in tags) if tags else loaded.append(manifest.config.digest)
        return loaded

    def save(self, refs: list[str], path: Path) -> None:
        """Write a tar that is both ``docker load``-able and an OCI image layout."""
        from runtime.images import archive
        doc = self.store.read_index()
        wanted: dict[str, list[str]] = {}  # manifest digest -> tags, one entry per image
        for ref in refs:
            image_id = self.resolve(ref)
            if _is_id_ref(ref, image_id) or parse_reference(ref).digest:
                tags = [t for t, i in doc["tags"].items() if i == image_id]
            else:
                tags = [parse_reference(ref).tagged()]
            known = wanted.setdefault(doc["images"][image_id]["manifest"], [])
            known.extend(t for t in tags if t not in known)
        entries = [archive.SaveEntry(digest, tuple(tags)) for digest, tags in wanted.items()]
        archive.save_archive(self.store, entries, Path(path))

    def import_rootfs(self, path: Path, ref: str | None = None, *, config: dict | None = None) -> ImageInfo:
        """Make a one-layer image from a rootfs tar (plain, gzip or zstd); ``config`` is the image's Config."""
        from runtime.images import archive
        reference = parse_reference(ref) if ref else None
        with self.store.gc_lock(shared=True):
            manifest_digest = archive.import_rootfs(self.store, Path(path), host_platform(), config or {})
            manifest = self.store.manifest(manifest_digest)
            chains = unpack_all(self.store, manifest, image_config_of(self.store, manifest))
            self._record(manifest.config.digest, manifest_digest, manifest.media_type, None, list(chains),
                         reference)
        return self._info(manifest.config.digest)


def _pull_key(reference: Reference) -> str:
    return f"{reference.name}@{reference.digest}" if reference.digest else reference.tagged()


def _mount_source(repo_digests: list[str], target: Reference) -> str | None:
    """Another repository on the target's registry known to hold this image (for a cross-repo mount)."""
    for text in repo_digests:
        known = parse_reference(text)
        if known.registry == target.registry and known.repository != target.repository:
            return known.repository
    return None


def _is_id_ref(ref: str, image_id: str) -> bool:
    bare = ref.removeprefix("sha256:")
    return len(bare) >= 4 and all(c in "0123456789abcdef" for c in bare) and hex_of(image_id).startswith(bare)


def _familiar(text: str) -> str:
    if "@" in text or ":" in text.split("/")[-1]:
        return parse_reference(text).familiar()
    return text
