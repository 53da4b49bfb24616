"""A Dockerfile built FROM scratch + ADD rootfs.tar: each filesystem step is one layer holding exactly what it
changed (deletions as whiteouts), and the image survives a push to a registry and a pull back unchanged."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from runtime.images.service import ImageService
from tests.support.build import BASE, run_in_image, write_context
from tests.support.registry import registry  # noqa: F401 - fixture

pytestmark = pytest.mark.root

DOCKERFILE = BASE + """\
RUN mkdir -p /data/sub && echo one > /data/a && echo keep > /data/sub/k && echo gone > /data/b && echo x > /etc/motd
RUN echo two >> /data/a && rm /data/b /etc/motd && rm -r /data/sub && echo new > /data/c
RUN rm -rf /data && mkdir /data && echo fresh > /data/only
"""


def layer_names(images: ImageService, ref: str) -> list[list[str]]:
    record = images.store.read_index()["images"][images.resolve(ref)]
    out = []
    for layer in images.store.manifest(record["manifest"]).layers:
        data = gzip.decompress(images.store.read_blob(layer.digest))
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            out.append(sorted(m.name for m in tar.getmembers()))
    return out


def test_each_step_is_a_layer_of_exactly_its_changes(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("layers:1",))
    rootfs, first, second, third = layer_names(build.images, "layers:1")
    assert "bin/busybox" in rootfs
    assert first == ["data", "data/a", "data/b", "data/sub", "data/sub/k", "etc", "etc/motd"]
    assert second == ["data", "data/.wh.b", "data/.wh.sub", "data/a", "data/c", "etc", "etc/.wh.motd"]
    assert third == ["data", "data/.wh..wh..opq", "data/only"]


def test_mount_points_of_the_run_container_stay_out_of_the_layers(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("layers:1",))
    names = {n for layer in layer_names(build.images, "layers:1")[1:] for n in layer}
    assert not names & {"etc/hosts", "etc/hostname", "etc/resolv.conf", "proc", "sys", "dev"}


def test_the_image_shows_the_files_of_the_last_step_only(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("layers:1",))
    code, out = run_in_image(build.images, "layers:1", "find /data | sort; test -e /etc/motd || echo nomotd",
                             scratch)
    assert (code, out.split()) == (0, ["/data", "/data/only", "nomotd"])


@pytest.mark.registry
def test_pushed_image_pulls_back_identical_with_whiteouts(build, tmp_path, scratch, registry):  # noqa: F811
    ref = f"{registry.host}/built/layers:1"
    built = build.build(write_context(tmp_path / "ctx", DOCKERFILE.replace("RUN rm -rf /data && ", "RUN ")
                                      .replace("mkdir /data && ", "")), tags=(ref,))
    assert build.images.push(ref) == built.manifest_digest
    other = ImageService(tmp_path / "other")
    pulled = other.pull(ref)
    assert (pulled.id, pulled.manifest_digest) == (built.id, built.manifest_digest)
    assert layer_names(other, ref) == layer_names(build.images, ref)
    code, out = run_in_image(other, ref, "cat /data/a /data/c /data/only; ls /data; test -e /etc/motd || echo nomotd",
                             scratch)
    assert (code, out.split()) == (0, ["one", "two", "new", "fresh", "a", "c", "only", "nomotd"])


@pytest.mark.registry
def test_missing_base_is_pulled_and_pull_refreshes_it(build, tmp_path, registry):  # noqa: F811
    ref = f"{registry.host}/built/base:1"
    base = build.build(write_context(tmp_path / "base", BASE + "ENV FROM_BASE=yes\n"), tags=(ref,))
    build.images.push(ref)
    build.images.remove(ref)
    ctx = write_context(tmp_path / "child", f"FROM {ref}\nRUN echo $FROM_BASE > /seen\n", rootfs=False)
    build.build(ctx, tags=("child:1",))
    assert [e.text for e in build.events if e.kind == "pull"] == [ref]
    assert build.images.get(ref).id == base.id
    build.build(ctx, tags=("child:1",))
    assert [e.kind for e in build.events if e.kind in ("pull", "done")] == []
    build.build(ctx, tags=("child:1",), pull=True)
    assert [e.text for e in build.events if e.kind == "pull"] == [ref] and build.kinds("cached") == [1]
