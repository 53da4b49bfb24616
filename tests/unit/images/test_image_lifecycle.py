"""Local image operations: tag, list, inspect, remove and prune free exactly what no image uses."""

from __future__ import annotations

import pytest

from runtime.errors import ImageError, ImageNotFoundError
from runtime.images.service import ImageService
from tests.support.images import Entry, Layout, busybox_entries, tar_bytes

BASE = [Entry("bin", "dir"), Entry("bin/tool", data=b"#!/bin/sh\necho base\n", mode=0o755)]


@pytest.fixture
def svc(tmp_path):
    return ImageService(tmp_path / "root")


def load(svc: ImageService, layout: Layout, layers: list[list[Entry]], tag: str, **kw) -> str:
    built = layout.image([tar_bytes(e) for e in layers], **kw)
    layout.tag(tag, built.manifest_digest, built.media_type)
    svc.load(layout.root)
    layout.refs.clear()
    svc.tag(built.config_digest, tag)
    return built.config_digest


def blob_names(svc: ImageService) -> set[str]:
    return {p.name for p in svc.store.blobs.iterdir()}


def layer_names(svc: ImageService) -> set[str]:
    return {p.name for p in svc.store.layers.iterdir() if p.name != ".tmp"}


def test_shared_layers_survive_until_the_last_image_using_them_goes(tmp_path, svc):
    layout = Layout(tmp_path / "layout")
    a = load(svc, layout, [BASE], "example.test/a:1")
    b = load(svc, layout, [BASE, [Entry("etc", "dir"), Entry("etc/b", data=b"b")]], "example.test/b:1")
    base_dir, _ = svc.rootfs_layers("example.test/b:1")
    assert svc.rootfs_layers("example.test/a:1") == [base_dir]

    removed = svc.remove("example.test/a:1")
    assert removed.untagged == ("example.test/a:1",) and removed.deleted == (a,)
    assert base_dir.is_dir() and (base_dir / "bin" / "tool").exists()
    assert svc.rootfs_layers("example.test/b:1")[0] == base_dir
    assert a.split(":")[1] not in blob_names(svc)

    svc.remove("example.test/b:1")
    assert blob_names(svc) == set() and layer_names(svc) == set()
    assert svc.list() == [] and b not in {i.id for i in svc.list()}


def test_remove_by_tag_only_untags_while_other_tags_remain(tmp_path, svc):
    image = load(svc, Layout(tmp_path / "layout"), [BASE], "example.test/a:1")
    svc.tag("example.test/a:1", "example.test/a:latest")
    removed = svc.remove("example.test/a:1")
    assert removed.untagged == ("example.test/a:1",) and removed.deleted == ()
    assert svc.list()[0].repo_tags == ("example.test/a:latest",)
    assert svc.resolve("example.test/a") == image


def test_remove_by_id_with_several_tags_needs_force(tmp_path, svc):
    image = load(svc, Layout(tmp_path / "layout"), [BASE], "example.test/a:1")
    svc.tag(image, "example.test/a:2")
    with pytest.raises(ImageError, match="referenced by 2 tags"):
        svc.remove(image[7:19])
    removed = svc.remove(image[7:19], force=True)
    assert removed.deleted == (image,) and set(removed.untagged) == {"example.test/a:1", "example.test/a:2"}
    assert blob_names(svc) == set()


def test_images_in_use_by_containers_are_kept(tmp_path):
    in_use: set[str] = set()
    svc = ImageService(tmp_path / "root", in_use=lambda: in_use)
    image = load(svc, Layout(tmp_path / "layout"), [BASE], "example.test/a:1")
    in_use.add(image)
    with pytest.raises(ImageError, match="in use by a container"):
        svc.remove("example.test/a:1")
    assert svc.prune(all=True).deleted == ()
    assert svc.resolve("example.test/a:1") == image


def test_prune_removes_dangling_images_and_all_removes_unused(tmp_path, svc):
    layout = Layout(tmp_path / "layout")
    old = load(svc, layout, [BASE], "example.test/app:1")
    new = load(svc, layout, [BASE, [Entry("v2", data=b"2")]], "example.test/app:1")  # the tag moves on
    keep = load(svc, layout, [[Entry("other", data=b"x")]], "example.test/other:1")
    assert {i.id: i.repo_tags for i in svc.list()}[old] == ()
    pruned = svc.prune()
    assert pruned.deleted == (old,)
    assert {i.id for i in svc.list()} == {new, keep}
    assert svc.rootfs_layers("example.test/app:1")[0].is_dir()  # base layer still used by `new`
    assert set(svc.prune(all=True).deleted) == {new, keep}
    assert blob_names(svc) == set() and layer_names(svc) == set()


def test_inspect_looks_like_docker_image_inspect(tmp_path, svc):
    layout = Layout(tmp_path / "layout")
    image = load(svc, layout, [busybox_entries(["sh", "ls"])], "example.test/bb:1",
                 config={"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"], "WorkingDir": "/root"})
    doc = svc.inspect("example.test/bb:1")
    assert doc["Id"] == image and doc["RepoTags"] == ["example.test/bb:1"]
    assert (doc["Os"], doc["Architecture"]) == ("linux", "amd64")
    assert doc["Config"]["WorkingDir"] == "/root"
    assert doc["RootFS"]["Type"] == "layers" and len(doc["RootFS"]["Layers"]) == 1
    assert doc["Size"] >= 1_000_000  # the busybox binary, unpacked
    assert svc.image_config(image[:12])["config"]["Cmd"] == ["/bin/sh"]
    assert svc.has("example.test/bb:1") and svc.get(image[:12]).repo_tags == ("example.test/bb:1",)


def test_unknown_references(tmp_path, svc):
    assert not svc.has("nope")
    with pytest.raises(ImageNotFoundError, match="no such image: nope"):
        svc.inspect("nope")
    with pytest.raises(ImageNotFoundError):
        svc.remove("example.test/none:1")
