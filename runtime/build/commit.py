"""``commit``: a container's changes as a new image, as ``docker commit`` makes it.

The new image is the container's image plus one layer: the container's writable (overlay upper) dir as it stands,
whiteouts and opaque directories turned into ``.wh.`` entries. Its config is the image's, with what the container
was created with on top (command, entrypoint, environment, user, working dir, labels but Compose's own), a history
entry for the new layer (``created_by`` the container's command, ``comment`` the message) and the author. It is stored as ``build``
stores its results: an ordinary OCI image, tagged with ``reference`` if one is given.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from runtime.build import chain
from runtime.images.platform import OCI_CONFIG, OCI_MANIFEST
from runtime.images.reference import parse_reference
from runtime.images.service import ImageInfo, ImageService


CHANGEABLE = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR")  # Docker's
PROJECT_LABELS = "com.docker.compose."  # a container of the new image must not count as one of the project's


@dataclass(frozen=True)
class CommitRequest:
    """What to commit: the container's upper dir (None: it never ran, an empty layer), its image, the spec it was
    created with (the record's copy, a dict) and the merged command; the new image's tag, message and author."""

    upper: Path | None
    image_id: str
    spec: dict
    command: tuple[str, ...]
    reference: str | None = None
    message: str = ""
    author: str = ""
    changes: tuple[str, ...] = ()  # Dockerfile instructions applied to the config last (``commit --change``)


def commit(images: ImageService, request: CommitRequest) -> ImageInfo:
    store = images.store
    tagged = parse_reference(request.reference).tagged() if request.reference else None  # bad names fail first
    layers, config = chain.image_layers(images, request.image_id)
    image_config(config, request, "", "")  # a bad --change fails before any layer is written
    with tempfile.TemporaryDirectory(dir=store.tmp) as tmp:
        upper = request.upper if request.upper is not None and request.upper.is_dir() else Path(tmp) / "empty"
        upper.mkdir(exist_ok=True)
        blob = chain.commit(store, upper, Path(tmp))
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    layer = chain.stack(store, layers, blob, created)
    new_config = image_config(config, request, layer.blob.diff_id, created)
    config_bytes = json.dumps(new_config, sort_keys=True, separators=(",", ":")).encode()
    config_digest = store.put_bytes(config_bytes)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                "layers": [{"mediaType": x.blob.media_type, "digest": x.blob.digest, "size": x.blob.size}
                           for x in (*layers, layer)]}
    manifest_digest = store.put_bytes(json.dumps(manifest, separators=(",", ":")).encode())
    images._record(config_digest, manifest_digest, OCI_MANIFEST, None,  # noqa: SLF001 - the store's own recorder
                   [x.chain_id for x in (*layers, layer)], None, extra_tags=(tagged,) if tagged else ())
    return images.get(config_digest)


def image_config(base: dict, request: CommitRequest, diff_id: str, created: str) -> dict:
    """The base image's config with the container's settings on top, one more layer and its history entry."""
    out = json.loads(json.dumps(base))
    section = out.setdefault("config", {}) or {}
    out["config"] = section
    spec = request.spec
    if spec.get("entrypoint") is not None:
        section["Entrypoint"] = list(spec["entrypoint"])
        section["Cmd"] = list(spec["command"]) if spec.get("command") is not None else None
    elif spec.get("command") is not None:
        section["Cmd"] = list(spec["command"])
    env = {k: v for k, _, v in (e.partition("=") for e in section.get("Env") or [])}
    env.update({k: v for k, v in spec.get("environment") or ()})
    if env:
        section["Env"] = [f"{k}={v}" for k, v in env.items()]
    if spec.get("user"):
        section["User"] = spec["user"]
    if spec.get("working_dir"):
        section["WorkingDir"] = spec["working_dir"]
    labels = {k: v for k, v in spec.get("labels") or () if not k.startswith(PROJECT_LABELS)}
    if labels:
        section["Labels"] = {**(section.get("Labels") or {}), **labels}
    apply_changes(section, request.changes)
    out["created"] = created
    if request.author:
        out["author"] = request.author
    out.pop("comment", None)
    if request.message:
        out["comment"] = request.message  # Docker's image field for the commit message (image inspect "Comment")
    entry = {"created": created, "created_by": " ".join(request.command)}
    if request.message:
        entry["comment"] = request.message
    if request.author:
        entry["author"] = request.author
    out["history"] = [*(out.get("history") or []), entry]
    out["rootfs"] = {"type": "layers", "diff_ids": [*(out.get("rootfs") or {}).get("diff_ids", []), diff_id]}
    return out


def apply_changes(section: dict, changes: tuple[str, ...]) -> None:
    """``--change`` lines (Dockerfile instructions; Docker allows those in ``CHANGEABLE``) applied to the image
    config's ``config`` section as a build would apply them, ``$VAR`` expanded from its environment."""
    if not changes:
        return
    from runtime.errors import ImageError
    from runtime.images.buildconfig import env_of
    from runtime.images.buildsteps import StageBuilder
    from runtime.images.dockerfile import parse_dockerfile

    builder = StageBuilder(config=section, parent_key="", escape="\\", build_args={}, global_args={}, auto_args={},
                           context=None, resolve=None, path="--change")  # type: ignore[arg-type]
    builder.state_env = env_of(section)
    for text in changes:
        for instruction in parse_dockerfile(text, path="--change").instructions:
            if instruction.keyword not in CHANGEABLE:
                raise ImageError(f"commit --change {text!r}: {instruction.keyword} cannot be applied to an image "
                                 f"config; use one of {', '.join(CHANGEABLE)}")
            builder.apply(instruction)
