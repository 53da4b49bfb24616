"""A registry that lies about diff_ids: every blob matches its manifest digest, but the image config's
rootfs.diff_ids does not match what a layer uncompresses to.

The pull fails naming the layer and both digests, and fails closed: no image is indexed, no layer stays unpacked,
no temporary files remain, and (the store's policy after a failed pull, ``ContentStore.tidy``) every blob the pull
fetched is freed again, however well verified; what other images use is left exactly as it was."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runtime.errors import DigestMismatchError
from runtime.images.service import ImageService
from tests.support.fake_registry import FakeRegistry
from tests.support.images import BuiltImage, Entry, Layout, sha256, tar_bytes

BASE = tar_bytes([Entry("etc", "dir"), Entry("etc/base", data=b"base\n")])
TOP = tar_bytes([Entry("etc", "dir"), Entry("etc/top", data=os.urandom(50_000))])
OTHER = tar_bytes([Entry("etc", "dir"), Entry("etc/other", data=b"other\n")])
EMPTY = {"blobs": [], "diffid": [], "tmp": [], "layers": [], "staging": []}


@pytest.fixture
def fake():
    server = FakeRegistry()
    try:
        yield server
    finally:
        server.close()


def with_diff_ids(layout: Layout, built: BuiltImage, diff_ids: list[str]) -> BuiltImage:
    """``built`` with the same layer blobs but a config claiming ``diff_ids`` (all digests self-consistent)."""
    config = json.loads(built.config)
    config["rootfs"]["diff_ids"] = diff_ids
    cfg_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = json.loads(built.manifest)
    manifest["config"].update(digest=layout.blob(cfg_bytes), size=len(cfg_bytes))
    data = json.dumps(manifest, indent=2).encode()
    return BuiltImage(layout.blob(data), data, built.media_type, sha256(cfg_bytes), cfg_bytes,
                      built.layer_digests, tuple(diff_ids), built.platform)


def snapshot(root: Path) -> dict[str, list[str]]:
    """What the content store holds: blobs, their diff_id records, temp files (lock files aside), layers."""
    def names(path: Path) -> list[str]:
        return sorted(p.name for p in path.iterdir() if not p.name.endswith(".lock"))
    return {"blobs": names(root / "blobs" / "sha256"), "diffid": names(root / "blobs" / "diffid"),
            "tmp": names(root / "blobs" / "tmp"),
            "layers": [n for n in names(root / "layers") if n != ".tmp"], "staging": names(root / "layers" / ".tmp")}


def test_wrong_diff_id_fails_the_pull_naming_the_layer_and_leaves_nothing(tmp_path, fake):
    layout = Layout(tmp_path / "layout")
    good = layout.image([BASE, TOP])
    lying = with_diff_ids(layout, good, [sha256(BASE), sha256(OTHER)])
    fake.add_image("app", "v1", layout, lying)
    svc = ImageService(tmp_path / "root")

    with pytest.raises(DigestMismatchError) as caught:
        svc.pull(f"{fake.host}/app:v1")
    message = str(caught.value)
    assert lying.layer_digests[1] in message  # the layer
    assert sha256(TOP) in message and sha256(OTHER) in message  # what it is, what the config claims

    assert svc.list() == [] and not svc.has(f"{fake.host}/app:v1")
    assert snapshot(tmp_path / "root") == EMPTY
    fetched = {p for m, p, _ in fake.requests if "/blobs/" in p}
    assert f"/v2/app/blobs/{lying.layer_digests[1]}" in fetched  # the lie was downloaded, verified, then freed


def test_wrong_diff_id_of_the_only_layer_is_refused(tmp_path, fake):
    layout = Layout(tmp_path / "layout")
    lying = with_diff_ids(layout, layout.image([TOP], compression="zstd"), [sha256(OTHER)])
    fake.add_image("app", "v1", layout, lying)
    svc = ImageService(tmp_path / "root")
    with pytest.raises(DigestMismatchError, match=f"{lying.layer_digests[0]}.*{sha256(TOP)}.*{sha256(OTHER)}"):
        svc.pull(f"{fake.host}/app:v1")
    assert svc.list() == []
    assert snapshot(tmp_path / "root") == EMPTY


def test_failed_pull_keeps_what_other_images_use_and_frees_only_its_own(tmp_path, fake):
    layout = Layout(tmp_path / "layout")
    good = layout.image([BASE, TOP])
    fake.add_image("app", "v1", layout, good)
    lying = with_diff_ids(layout, layout.image([BASE, OTHER]), [sha256(BASE), sha256(TOP)[:-4] + "beef"])
    fake.add_image("app", "v2", layout, lying)
    svc = ImageService(tmp_path / "root")
    svc.pull(f"{fake.host}/app:v1")
    before = snapshot(tmp_path / "root")

    with pytest.raises(DigestMismatchError, match=lying.layer_digests[1]):
        svc.pull(f"{fake.host}/app:v2")
    assert snapshot(tmp_path / "root") == before
    assert [i.id for i in svc.list()] == [good.config_digest] and not svc.has(f"{fake.host}/app:v2")
    base_dir, top_dir = svc.rootfs_layers(f"{fake.host}/app:v1")
    assert (base_dir / "etc" / "base").read_bytes() == b"base\n"
    assert (top_dir / "etc" / "top").stat().st_size == 50_000


def test_config_claiming_an_already_unpacked_layer_for_other_content_is_refused(tmp_path, fake):
    """The lie names a diff_id that is already unpacked locally: reusing that layer would make the image's
    rootfs differ from the layer blobs its manifest lists (and that a push would upload)."""
    layout = Layout(tmp_path / "layout")
    good = layout.image([BASE, TOP])
    fake.add_image("app", "v1", layout, good)
    lying = with_diff_ids(layout, layout.image([BASE, OTHER]), [sha256(BASE), sha256(TOP)])
    fake.add_image("app", "v2", layout, lying)
    svc = ImageService(tmp_path / "root")
    svc.pull(f"{fake.host}/app:v1")
    before = snapshot(tmp_path / "root")

    with pytest.raises(DigestMismatchError, match=f"{lying.layer_digests[1]}.*{sha256(OTHER)}.*{sha256(TOP)}"):
        svc.pull(f"{fake.host}/app:v2")
    assert snapshot(tmp_path / "root") == before
    assert not svc.has(f"{fake.host}/app:v2")
    assert svc.remove(f"{fake.host}/app:v1").deleted == (good.config_digest,)
    assert snapshot(tmp_path / "root") == EMPTY  # the diff_id records go with their blobs
