"""Layers of a stage being built: committing an upper dir as a layer blob, and its unpacked dir in the store."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from runtime.build.cache import LayerBlob
from runtime.images.layers import create_layer
from runtime.images.platform import DOCKER_LAYER_GZIP, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD
from runtime.images.service import ImageService
from runtime.images.store import ContentStore, chain_ids

LAYER_GZIP_LEVEL = 1  # twice as fast as zlib's default 6 on a Debian rootfs, for about 9% more bytes
_OCI_TYPES = {DOCKER_LAYER_GZIP: OCI_LAYER_GZIP, "application/vnd.docker.image.rootfs.diff.tar": OCI_LAYER,
              "application/vnd.docker.image.rootfs.diff.tar.zstd": OCI_LAYER_ZSTD}


@dataclass(frozen=True)
class Layer:
    """One layer of a stage: its blob, chain id, unpacked dir (an overlay lower dir) and when it was made."""

    blob: LayerBlob
    chain_id: str
    dir: Path
    created: str = ""


def commit(store: ContentStore, upper: Path, tmp: Path) -> LayerBlob:
    """Write ``upper`` (overlay form: whiteouts become ``.wh.`` entries) as a gzip layer blob in the store."""
    out = tmp / f"layer-{secrets.token_hex(6)}.tar.gz"
    try:
        digests = create_layer(upper, out, compression="gzip", level=LAYER_GZIP_LEVEL)

        def fill(sink) -> None:  # noqa: ANN001 - a store BlobSink
            with open(out, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    sink.write(chunk)
        store.write_blob(digests.digest, digests.size, fill)
    finally:
        out.unlink(missing_ok=True)
    return LayerBlob(digests.digest, digests.diff_id, digests.size, digests.media_type)


def stack(store: ContentStore, below: list[Layer], blob: LayerBlob, created: str) -> Layer:
    """``blob`` on top of ``below``: its chain id and unpacked dir (unpacked once, shared with pulls)."""
    chain = chain_ids([below[-1].chain_id, blob.diff_id])[-1] if below else blob.diff_id
    return Layer(blob, chain, store.ensure_layer(chain, blob.digest, blob.media_type, blob.diff_id), created)


def image_layers(images: ImageService, ref: str) -> tuple[list[Layer], dict]:
    """The layers (lowest first) and the config of a local image."""
    image_id = images.resolve(ref)
    record = images.store.read_index()["images"][image_id]
    manifest = images.store.manifest(record["manifest"])
    config = json.loads(images.store.read_blob(image_id))
    diff_ids = list(config["rootfs"]["diff_ids"])
    dirs = images.rootfs_layers(image_id)
    created = str(config.get("created") or "")
    layers = [Layer(LayerBlob(d.digest, diff, d.size, _OCI_TYPES.get(d.media_type, d.media_type)), chain, path,
                    created)
              for d, diff, chain, path in zip(manifest.layers, diff_ids, chain_ids(diff_ids), dirs)]
    return layers, config
