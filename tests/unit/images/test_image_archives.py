"""Archives: docker save tarballs and OCI layouts load; save writes a tar that both docker and OCI tools read;
a root filesystem tar imports as a one-layer image."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile

import pytest

from runtime.errors import DigestMismatchError, ImageError
from runtime.images.service import ImageService
from tests.support.images import BUSYBOX, Entry, Layout, busybox_entries, compress, tar_bytes

needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")


@pytest.fixture
def loaded(tmp_path):
    svc = ImageService(tmp_path / "root")
    layout = Layout(tmp_path / "layout")
    built = layout.image([tar_bytes(busybox_entries(["sh", "cat"])),
                          tar_bytes([Entry("etc", "dir"), Entry("etc/motd", data=b"hello\n")])],
                         compression="zstd")
    layout.tag("docker.io/library/bb:1", built.manifest_digest, built.media_type)
    assert svc.load(layout.root) == ["bb:1"]
    return svc, built


def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_oci_layout_directory_loads_with_its_reference(loaded):
    svc, built = loaded
    [info] = svc.list()
    assert (info.id, info.repo_tags, info.manifest_digest) == (built.config_digest, ("bb:1",), built.manifest_digest)
    lower, upper = svc.rootfs_layers("bb:1")
    assert (lower / "bin" / "busybox").read_bytes() == BUSYBOX.read_bytes()
    assert (upper / "etc" / "motd").read_text() == "hello\n"


def test_save_then_load_reproduces_the_image(tmp_path, loaded):
    svc, built = loaded
    out = tmp_path / "saved.tar"
    svc.save(["bb:1"], out)
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
        index = json.load(tar.extractfile("index.json"))
    assert {"oci-layout", "index.json", "manifest.json"} <= names
    assert manifest[0]["RepoTags"] == ["bb:1"]
    assert manifest[0]["Config"] == f"blobs/sha256/{built.config_digest.split(':')[1]}"
    assert index["manifests"][0]["digest"] == built.manifest_digest

    other = ImageService(tmp_path / "other")
    assert other.load(out) == ["bb:1"]
    assert other.resolve("bb:1") == built.config_digest
    assert other.list()[0].manifest_digest == built.manifest_digest  # the OCI part keeps the manifest as is
    assert (other.rootfs_layers("bb:1")[1] / "etc" / "motd").read_text() == "hello\n"


@needs_skopeo
@pytest.mark.parametrize("transport", ["docker-archive", "oci-archive"])
def test_saved_tar_is_readable_by_skopeo(tmp_path, loaded, transport):
    svc, built = loaded
    out = tmp_path / "saved.tar"
    svc.save(["bb:1"], out)
    dest = tmp_path / "copy"
    src = f"{transport}:{out}" + (":bb:1" if transport == "docker-archive" else "")
    subprocess.run(["skopeo", "copy", "--quiet", src, f"oci:{dest}:x"], check=True, capture_output=True)
    index = json.loads((dest / "index.json").read_text())
    blobs = dest / "blobs" / "sha256"
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    config = json.loads((blobs / manifest["config"]["digest"][7:]).read_text())
    assert config["rootfs"]["diff_ids"] == list(built.diff_ids)  # skopeo may re-encode, content must survive
    assert len(manifest["layers"]) == 2


def test_legacy_docker_save_tarball_loads(tmp_path):
    layer = tar_bytes([Entry("hello.txt", data=b"hi\n")])
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["cat", "/hello.txt"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    path = tmp_path / "legacy.tar"
    with tarfile.open(path, "w") as tar:
        add(tar, "abc123/layer.tar", layer)
        add(tar, "cfg.json", config)
        add(tar, "manifest.json", json.dumps([{"Config": "cfg.json", "RepoTags": ["legacy/app:2"],
                                               "Layers": ["abc123/layer.tar"]}]).encode())
    svc = ImageService(tmp_path / "root")
    assert svc.load(path) == ["legacy/app:2"]
    assert svc.inspect("legacy/app:2")["Config"]["Cmd"] == ["cat", "/hello.txt"]
    assert (svc.rootfs_layers("legacy/app:2")[0] / "hello.txt").read_text() == "hi\n"


def test_layer_not_matching_the_config_diff_ids_is_refused(tmp_path):
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}}).encode()
    path = tmp_path / "bad.tar"
    with tarfile.open(path, "w") as tar:
        add(tar, "l/layer.tar", tar_bytes([Entry("x", data=b"x")]))
        add(tar, "c.json", config)
        add(tar, "manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["bad:1"],
                                               "Layers": ["l/layer.tar"]}]).encode())
    svc = ImageService(tmp_path / "root")
    with pytest.raises(DigestMismatchError, match="config says"):
        svc.load(path)
    assert svc.list() == []


def test_corrupt_blob_in_oci_layout_is_refused(tmp_path):
    layout = Layout(tmp_path / "layout")
    built = layout.image([tar_bytes([Entry("a", data=b"a" * 100)])], compression="none")
    layout.tag("example.test/x:1", built.manifest_digest, built.media_type)
    (layout.root / "blobs" / "sha256" / built.layer_digests[0][7:]).write_bytes(b"evil")
    svc = ImageService(tmp_path / "root")
    with pytest.raises(DigestMismatchError):
        svc.load(layout.root)
    assert svc.list() == []
    assert not (svc.store.blobs / built.layer_digests[0][7:]).exists()


@pytest.mark.parametrize("text, message", [
    (b"not a tar at all", "not a tar archive"),
    (None, "neither a docker save archive"),
])
def test_unrecognised_archives_are_reported(tmp_path, text, message):
    path = tmp_path / "x.tar"
    if text is None:
        with tarfile.open(path, "w") as tar:
            add(tar, "random.txt", b"x")
    else:
        path.write_bytes(text)
    with pytest.raises(ImageError, match=message):
        ImageService(tmp_path / "root").load(path)


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_import_rootfs_makes_a_one_layer_image(tmp_path, compression):
    rootfs = tar_bytes(busybox_entries(["sh"]))
    path = tmp_path / "rootfs.tar"
    path.write_bytes(compress(rootfs, compression))
    svc = ImageService(tmp_path / "root")
    info = svc.import_rootfs(path, "imported/busybox:1", config={"Cmd": ["/bin/sh"]})
    assert info.repo_tags == ("imported/busybox:1",)
    doc = svc.inspect("imported/busybox:1")
    assert doc["RootFS"]["Layers"] == ["sha256:" + hashlib.sha256(rootfs).hexdigest()]
    assert doc["Config"] == {"Cmd": ["/bin/sh"]}
    [layer] = svc.rootfs_layers("imported/busybox:1")
    assert (layer / "bin" / "busybox").read_bytes() == BUSYBOX.read_bytes()


def test_docker_repo_tags_name_oci_entries_that_have_no_name(tmp_path, loaded):
    svc, built = loaded
    out = tmp_path / "saved.tar"
    svc.save(["bb:1"], out)
    rewritten = tmp_path / "rewritten.tar"
    with tarfile.open(out) as src, tarfile.open(rewritten, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "index.json":
                index = json.loads(data)
                for entry in index["manifests"]:
                    entry["annotations"] = {"org.opencontainers.image.ref.name": "1"}
                data = json.dumps(index).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    other = ImageService(tmp_path / "other")
    assert other.load(rewritten) == ["bb:1"]
    assert other.list()[0].manifest_digest == built.manifest_digest


def test_gzipped_save_of_several_tags_loads_them_all(tmp_path, loaded):
    svc, built = loaded
    svc.tag("bb:1", "example.test/bb:2")
    out = tmp_path / "saved.tar"
    svc.save(["bb:1", "example.test/bb:2", built.config_digest], out)
    with tarfile.open(out) as tar:
        assert len(json.load(tar.extractfile("manifest.json"))) == 1  # one image, listed once
    gz = tmp_path / "saved.tar.gz"
    gz.write_bytes(compress(out.read_bytes(), "gzip"))
    other = ImageService(tmp_path / "other")
    assert sorted(other.load(gz)) == ["bb:1", "example.test/bb:2"]
    assert other.resolve("example.test/bb:2") == other.resolve("bb:1") == built.config_digest
