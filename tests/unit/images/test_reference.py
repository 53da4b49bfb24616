"""Image references: Docker Hub defaults, registries with ports, tags, digests, and clear errors."""

from __future__ import annotations

import pytest

from runtime.errors import InvalidReferenceError
from runtime.images.reference import parse_reference

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize("text, registry, repository, tag, digest", [
    ("nginx", "docker.io", "library/nginx", "latest", None),
    ("nginx:1.25", "docker.io", "library/nginx", "1.25", None),
    ("user/app", "docker.io", "user/app", "latest", None),
    ("docker.io/nginx", "docker.io", "library/nginx", "latest", None),
    ("index.docker.io/library/nginx:x", "docker.io", "library/nginx", "x", None),
    ("localhost:5000/app", "localhost:5000", "app", "latest", None),
    ("localhost/app:v1", "localhost", "app", "v1", None),
    ("127.0.0.1:5000/team/app:v1.2-rc_3", "127.0.0.1:5000", "team/app", "v1.2-rc_3", None),
    ("ghcr.io/a/b/c", "ghcr.io", "a/b/c", "latest", None),
    (f"nginx@{DIGEST}", "docker.io", "library/nginx", None, DIGEST),
    (f"quay.io/x/y:1@{DIGEST}", "quay.io", "x/y", "1", DIGEST),
    ("my-registry.example.com:443/a__b/c.d-e", "my-registry.example.com:443", "a__b/c.d-e", "latest", None),
])
def test_parse_normalizes(text, registry, repository, tag, digest):
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


def test_string_forms():
    ref = parse_reference("nginx")
    assert str(ref) == "docker.io/library/nginx:latest"
    assert ref.familiar() == "nginx:latest"
    assert ref.api_host == "registry-1.docker.io"
    local = parse_reference("localhost:5000/app:v1")
    assert str(local) == local.familiar() == "localhost:5000/app:v1"
    assert local.api_host == "localhost:5000"
    pinned = parse_reference(f"user/app@{DIGEST}")
    assert pinned.manifest_ref == DIGEST
    assert pinned.familiar() == f"user/app@{DIGEST}"


def test_with_tag_and_digest():
    ref = parse_reference("app:1")
    assert str(ref.with_tag("2")) == "docker.io/library/app:2"
    assert ref.with_digest(DIGEST).manifest_ref == DIGEST
    with pytest.raises(InvalidReferenceError, match="invalid tag"):
        ref.with_tag("-bad")


@pytest.mark.parametrize("text, message", [
    ("Nginx", "must be lowercase"),
    ("user/MyApp:1", "must be lowercase"),
    ("", "empty"),
    (" nginx", "whitespace"),
    ("nginx:", "bad tag"),
    ("nginx:-x", "bad tag"),
    ("nginx:" + "a" * 129, "bad tag"),
    ("nginx@sha256:abc", "64 lowercase hex"),
    ("nginx@md5:" + "a" * 32, "unsupported digest algorithm"),
    ("nginx@latest", "invalid digest"),
    ("a//b", "bad path component"),
    ("app_/x", "bad path component"),
    ("localhost:abc/app", "bad registry port"),
    ("-bad.host/app", "bad registry host"),
    ("localhost:5000/", "missing repository"),
    ("x/" + "a" * 260, "longer than 255"),
])
def test_invalid_references_say_what_is_wrong(text, message):
    with pytest.raises(InvalidReferenceError, match=message):
        parse_reference(text)


def test_uppercase_first_component_is_a_registry_host():
    ref = parse_reference("MyHost/app")
    assert (ref.registry, ref.repository) == ("MyHost", "app")
