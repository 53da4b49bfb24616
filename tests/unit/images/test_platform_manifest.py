"""Platforms, manifest media-type dispatch, and picking a platform out of an index."""

from __future__ import annotations

import json

import pytest

from runtime.errors import ImageError
from runtime.images.platform import (DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, Index, Manifest,
                                     Platform, host_platform, parse_manifest, parse_platform, select_manifest)

D = "sha256:" + "1" * 64


def entry(digest_char: str, os_: str, arch: str, variant: str | None = None) -> dict:
    plat = {"os": os_, "architecture": arch, **({"variant": variant} if variant else {})}
    return {"mediaType": OCI_MANIFEST, "digest": "sha256:" + digest_char * 64, "size": 10, "platform": plat}


def index_of(*entries: dict, media_type: str = OCI_INDEX) -> Index:
    parsed = parse_manifest(json.dumps({"schemaVersion": 2, "mediaType": media_type,
                                        "manifests": list(entries)}).encode())
    assert isinstance(parsed, Index)
    return parsed


def test_parse_platform_forms():
    assert parse_platform("linux/amd64") == Platform("linux", "amd64")
    assert parse_platform("linux/arm64/v8") == Platform("linux", "arm64", "v8")
    assert parse_platform("arm64") == Platform("linux", "arm64")
    assert parse_platform("linux/x86_64") == Platform("linux", "amd64")
    with pytest.raises(ImageError, match="os/arch"):
        parse_platform("linux/")


def test_host_platform_is_linux_with_go_arch_name():
    host = host_platform()
    assert host.os == "linux"
    assert host.architecture in {"amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64"}


def test_select_by_architecture_and_arm64_variant():
    idx = index_of(entry("a", "linux", "amd64"), entry("b", "linux", "arm64", "v8"), entry("c", "linux", "arm", "v7"))
    assert select_manifest(idx, Platform("linux", "amd64")).digest == "sha256:" + "a" * 64
    assert select_manifest(idx, Platform("linux", "arm64")).digest == "sha256:" + "b" * 64
    assert select_manifest(idx, Platform("linux", "arm64", "v8")).digest == "sha256:" + "b" * 64
    assert select_manifest(idx, Platform("linux", "arm", "v7")).digest == "sha256:" + "c" * 64


def test_arm64_v8_matches_an_entry_without_variant():
    idx = index_of(entry("a", "linux", "arm64"))
    assert select_manifest(idx, Platform("linux", "arm64", "v8")).digest == "sha256:" + "a" * 64


def test_exact_variant_preferred_and_no_match_lists_offers():
    idx = index_of(entry("a", "linux", "arm", "v6"), entry("b", "linux", "arm", "v7"), media_type=DOCKER_LIST)
    assert select_manifest(idx, Platform("linux", "arm", "v7")).digest == "sha256:" + "b" * 64
    with pytest.raises(ImageError, match=r"linux/s390x.*offered: linux/arm/v6, linux/arm/v7"):
        select_manifest(idx, Platform("linux", "s390x"))


def test_manifest_dispatch_by_document_media_type():
    doc = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
           "config": {"mediaType": "x", "digest": D, "size": 3},
           "layers": [{"mediaType": "y", "digest": D, "size": 4}]}
    parsed = parse_manifest(json.dumps(doc).encode(), "text/plain")
    assert isinstance(parsed, Manifest)
    assert parsed.media_type == DOCKER_MANIFEST and parsed.layers[0].size == 4
    del doc["mediaType"]
    assert parse_manifest(json.dumps(doc).encode(), OCI_MANIFEST).media_type == OCI_MANIFEST


@pytest.mark.parametrize("body, message", [
    (b"not json", "not valid JSON"),
    (b'{"schemaVersion": 1, "mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws"}',
     "schema 1"),
    (b'{"mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {}, "layers": []}',
     "digest/size"),
    (b'{"mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"digest": "sha256:x", "size": 1},'
     b' "layers": []}', "64 lowercase hex"),
])
def test_malformed_manifests_are_refused(body, message):
    with pytest.raises(ImageError, match=message):
        parse_manifest(body)
