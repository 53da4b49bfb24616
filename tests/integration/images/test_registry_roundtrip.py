"""Push and pull against a real distribution registry (Debian's docker-registry) on 127.0.0.1.

Images are built locally from Debian's busybox-static; skopeo (an independent client) cross-checks what we wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from runtime.errors import ImageError, RegistryError
from runtime.images.auth import CredentialStore
from runtime.images.platform import host_platform
from runtime.images.service import ImageService
from tests.support.images import BUSYBOX, Entry, Layout, busybox_entries, busybox_image, tar_bytes
from tests.support.registry import auth_registry, registry, skopeo_copy  # noqa: F401 - fixtures

pytestmark = pytest.mark.registry


def blob(root: Path, digest: str) -> bytes:
    return (root / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()


def local_image(svc: ImageService, layout: Layout, built, ref: str) -> str:
    """Load ``built`` from its OCI layout into ``svc`` and tag it ``ref``."""
    layout.tag("seed", built.manifest_digest, built.media_type)
    svc.load(layout.root)
    svc.tag(built.config_digest, ref)
    return built.config_digest


def test_push_then_pull_back_is_byte_identical(tmp_path, registry):
    layout = Layout(tmp_path / "layout")
    built = busybox_image(layout)
    ref = f"{registry.host}/test/busybox:v1"
    pusher = ImageService(tmp_path / "a")
    local_image(pusher, layout, built, ref)
    events: list = []
    assert pusher.push(ref, progress=events.append) == built.manifest_digest
    for digest in (built.config_digest, *built.layer_digests):
        phases = [(e.phase, e.current, e.total) for e in events if e.digest == digest]
        assert phases[-1][0] == "uploaded" and ("pushing", phases[-1][2], phases[-1][2]) in phases

    status, headers, body = registry.get("/v2/test/busybox/manifests/v1", accept=built.media_type)
    assert status == 200 and body == built.manifest
    assert headers["Docker-Content-Digest"] == built.manifest_digest

    puller = ImageService(tmp_path / "b")
    info = puller.pull(ref)
    assert info.id == built.config_digest
    assert info.repo_digests == (f"{registry.host}/test/busybox@{built.manifest_digest}",)
    assert blob(tmp_path / "b", built.manifest_digest) == built.manifest
    for digest in (built.config_digest, *built.layer_digests):
        assert blob(tmp_path / "b", digest) == blob(layout.root, digest) == registry.get(
            f"/v2/test/busybox/blobs/{digest}")[2]
    [layer] = puller.rootfs_layers(ref)
    assert (layer / "bin" / "busybox").read_bytes() == BUSYBOX.read_bytes()
    assert (layer / "bin" / "sh").readlink() == Path("busybox")


def test_chunked_push_is_readable_by_skopeo(tmp_path, registry):
    layout = Layout(tmp_path / "layout")
    built = busybox_image(layout)
    ref = f"{registry.host}/chunked/busybox:v1"
    svc = ImageService(tmp_path / "a")
    local_image(svc, layout, built, ref)
    assert svc.push(ref, chunk_size=256 * 1024) == built.manifest_digest
    out = tmp_path / "skopeo-oci"
    skopeo_copy(f"docker://{ref}", f"oci:{out}:x")
    for digest in (built.config_digest, *built.layer_digests):
        assert blob(out, digest) == blob(layout.root, digest)


def test_push_skips_existing_blobs_and_mounts_across_repositories(tmp_path, registry):
    layout = Layout(tmp_path / "layout")
    built = busybox_image(layout)
    svc = ImageService(tmp_path / "a")
    first = f"{registry.host}/one/busybox:v1"
    local_image(svc, layout, built, first)
    svc.push(first)
    again: list = []
    svc.push(first, progress=again.append)
    assert {e.phase for e in again} == {"exists"}

    svc.pull(first)  # records where the image lives, so a push elsewhere can mount from there
    second = f"{registry.host}/two/busybox:v1"
    svc.tag(first, second)
    events: list = []
    assert svc.push(second, progress=events.append) == built.manifest_digest
    final = {e.digest: e.phase for e in events if e.phase != "pushing"}
    assert final == {d: "mounted" for d in (built.config_digest, *built.layer_digests)}
    assert registry.get(f"/v2/two/busybox/blobs/{built.layer_digests[0]}")[0] == 200


@pytest.mark.parametrize("compression, docker", [("gzip", False), ("zstd", False), ("none", False),
                                                 ("gzip", True)])
def test_layer_compressions_and_media_types_round_trip(tmp_path, registry, compression, docker):
    layout = Layout(tmp_path / "layout")
    built = busybox_image(layout, compression=compression, docker=docker)
    ref = f"{registry.host}/comp/{compression}:v1"
    local_image(ImageService(tmp_path / "a"), layout, built, ref)
    ImageService(tmp_path / "a").push(ref)
    puller = ImageService(tmp_path / "b")
    info = puller.pull(ref)
    assert info.manifest_digest == built.manifest_digest
    assert puller.inspect(ref)["Descriptor"]["mediaType"] == built.media_type
    [layer] = puller.rootfs_layers(ref)
    assert (layer / "bin" / "busybox").read_bytes() == BUSYBOX.read_bytes()
    assert puller.inspect(ref)["RootFS"]["Layers"] == list(built.diff_ids)


def _arch_image(layout: Layout, platform: str):
    marker = [Entry("etc", "dir"), Entry("etc/arch", data=platform.encode())]
    return layout.image([tar_bytes(busybox_entries(["sh"]) + marker)], platform=platform)


def test_multi_platform_index_selects_requested_platform(tmp_path, registry):
    layout = Layout(tmp_path / "layout")
    amd, arm = _arch_image(layout, "linux/amd64"), _arch_image(layout, "linux/arm64/v8")
    index_digest, _ = layout.index([amd, arm])
    layout.tag("multi", index_digest, "application/vnd.oci.image.index.v1+json")
    ref = f"{registry.host}/multi/app:1"
    skopeo_copy(f"oci:{layout.root}:multi", f"docker://{ref}", "--all")

    for n, (platform, image) in enumerate([("linux/arm64", arm), ("linux/arm64/v8", arm), ("linux/amd64", amd)]):
        svc = ImageService(tmp_path / f"s{n}")
        info = svc.pull(ref, platform=platform)
        assert (info.id, info.architecture) == (image.config_digest, platform.split("/")[1])
        assert (svc.rootfs_layers(ref)[0] / "etc" / "arch").read_text() == image.platform
    if host_platform().architecture == "amd64":
        assert ImageService(tmp_path / "host").pull(ref).id == amd.config_digest

    svc = ImageService(tmp_path / "none")
    with pytest.raises(ImageError, match="linux/s390x.*offered: linux/amd64, linux/arm64/v8"):
        svc.pull(ref, platform="linux/s390x")
    assert svc.list() == [] and list(svc.store.blobs.iterdir()) == []


@pytest.mark.root
def test_multi_layer_whiteouts_give_the_expected_merged_view(tmp_path, registry):
    layout = Layout(tmp_path / "layout")
    upper = [[Entry("bin", "dir"), Entry("bin/.wh.ls"), Entry("etc", "dir"), Entry("etc/motd", data=b"hi\n")],
             [Entry("etc", "dir"), Entry("etc/.wh..wh..opq"), Entry("etc/hostname", data=b"box\n")]]
    built = busybox_image(layout, extra_layers=upper)
    ref = f"{registry.host}/layers/busybox:v1"
    local_image(ImageService(tmp_path / "a"), layout, built, ref)
    ImageService(tmp_path / "a").push(ref)
    svc = ImageService(tmp_path / "b")
    svc.pull(ref)
    dirs = svc.rootfs_layers(ref)
    assert len(dirs) == 3
    merged = tmp_path / "merged"
    merged.mkdir()
    lower = ":".join(str(d) for d in reversed(dirs))
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={lower}", str(merged)], check=True)
    try:
        assert not os.path.lexists(merged / "bin" / "ls")
        assert (merged / "bin" / "cat").readlink() == Path("busybox")
        assert sorted(p.name for p in (merged / "etc").iterdir()) == ["hostname"]
    finally:
        subprocess.run(["umount", str(merged)], check=True)


def test_htpasswd_registry_uses_docker_config_credentials(tmp_path, auth_registry, monkeypatch):
    layout = Layout(tmp_path / "layout")
    built = busybox_image(layout)
    ref = f"{auth_registry.host}/private/busybox:v1"
    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))

    anonymous = ImageService(tmp_path / "anon")
    local_image(anonymous, layout, built, ref)
    with pytest.raises(RegistryError, match="no credentials"):
        anonymous.push(ref)

    import base64
    (config_dir / "config.json").write_text(json.dumps(
        {"auths": {auth_registry.host: {"auth": base64.b64encode(b"alice:wrong").decode()}}}))
    with pytest.raises(RegistryError, match="unauthorized|rejected"):
        ImageService(tmp_path / "wrong").pull(ref)

    (config_dir / "config.json").write_text(json.dumps(
        {"auths": {auth_registry.host: {"auth": base64.b64encode(b"alice:wonderland").decode()}}}))
    authed = ImageService(tmp_path / "anon", credentials=CredentialStore())
    assert authed.push(ref) == built.manifest_digest
    assert ImageService(tmp_path / "b").pull(ref).id == built.config_digest
    digest = hashlib.sha256(blob(tmp_path / "b", built.layer_digests[0])).hexdigest()
    assert f"sha256:{digest}" == built.layer_digests[0]
