"""The result of a build as an ordinary OCI image in the content store: config (with history and
``rootfs.diff_ids``), manifest, index record and tags, exactly what ``pull`` would have stored."""

from __future__ import annotations

import json
from collections.abc import Mapping

from runtime.build.executor import EPOCH, StageResult
from runtime.images.buildplan import BuildPlan
from runtime.images.platform import OCI_CONFIG, OCI_MANIFEST
from runtime.images.reference import parse_reference
from runtime.images.service import ImageInfo, ImageService


def image_config(plan: BuildPlan, result: StageResult, labels: Mapping[str, str]) -> dict:
    """The target stage's OCI image config with the build's labels, history and layers."""
    config = plan.image_config()
    if labels:
        section = config.setdefault("config", {})
        section["Labels"] = {**(section.get("Labels") or {}), **labels}
    config["created"] = result.created or EPOCH
    config["history"] = result.history
    config["rootfs"] = {"type": "layers", "diff_ids": [layer.blob.diff_id for layer in result.layers]}
    return config


def store_image(images: ImageService, plan: BuildPlan, result: StageResult, labels: Mapping[str, str],
                tags: tuple[str, ...]) -> ImageInfo:
    """Write config and manifest blobs, record the image and point ``tags`` at it."""
    store = images.store
    config_bytes = json.dumps(image_config(plan, result, labels), sort_keys=True, separators=(",", ":")).encode()
    config_digest = store.put_bytes(config_bytes)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                "layers": [{"mediaType": layer.blob.media_type, "digest": layer.blob.digest,
                            "size": layer.blob.size} for layer in result.layers]}
    manifest_digest = store.put_bytes(json.dumps(manifest, separators=(",", ":")).encode())
    tagged = tuple(parse_reference(tag).tagged() for tag in tags)
    images._record(config_digest, manifest_digest, OCI_MANIFEST, None,  # noqa: SLF001 - the store's own recorder
                   [layer.chain_id for layer in result.layers], None, extra_tags=tagged)
    return images.get(config_digest)
