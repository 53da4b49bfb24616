"""The registry client against a scripted fake registry: bearer auth, retries, and registries that lie.

A lie (wrong digest, wrong size, oversized manifest) fails the pull and leaves nothing in the store."""

from __future__ import annotations

import base64
import json
import os

import pytest

from runtime.errors import DigestMismatchError, ImageError, RegistryError
from runtime.images.auth import CredentialStore
from runtime.images.registry import RegistryClient, is_insecure
from runtime.images.service import ImageService
from tests.support.fake_registry import FakeRegistry, Response
from tests.support.images import Entry, Layout, tar_bytes


@pytest.fixture
def fake():
    server = FakeRegistry()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def image(tmp_path):
    layout = Layout(tmp_path / "layout")
    layers = [tar_bytes([Entry("etc", "dir"), Entry("etc/one", data=b"1" * 5000)]),
              tar_bytes([Entry("etc", "dir"), Entry("etc/two", data=os.urandom(200_000))])]
    return layout, layout.image(layers, compression="gzip")


def service(tmp_path, config: dict | None = None) -> ImageService:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(config or {}))
    return ImageService(tmp_path / "root", credentials=CredentialStore(path))


def assert_store_empty(svc: ImageService) -> None:
    store = svc.store
    assert list(store.blobs.iterdir()) == []
    assert [p for p in store.tmp.iterdir() if not p.name.endswith(".lock")] == []
    assert [p.name for p in store.layers.iterdir() if p.name != ".tmp"] == []
    assert svc.list() == []


def test_pull_stores_verified_blobs_and_unpacks(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    events: list = []
    info = service(tmp_path).pull(f"{fake.host}/app:v1", progress=events.append)
    assert info.id == built.config_digest and info.manifest_digest == built.manifest_digest
    for digest in built.layer_digests:
        mine = [e for e in events if e.digest == digest]
        assert [e.phase for e in mine][0] == "waiting" and [e.phase for e in mine][-2:] == ["extracting", "done"]
        last = [e for e in mine if e.phase == "downloading"][-1]
        assert last.current == last.total > 0
    root = tmp_path / "root"
    for digest in (built.manifest_digest, built.config_digest, *built.layer_digests):
        stored = (root / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
        assert stored == (layout.root / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
    layer_dirs = service(tmp_path).rootfs_layers(f"{fake.host}/app:v1")
    assert (layer_dirs[0] / "etc" / "one").read_bytes() == b"1" * 5000
    assert (layer_dirs[1] / "etc" / "two").stat().st_size == 200_000


def test_anonymous_bearer_token_is_fetched_for_the_pull_scope(tmp_path, fake, image):
    layout, built = image
    fake.add_image("team/app", "v1", layout, built)
    fake.bearer = True
    service(tmp_path).pull(f"{fake.host}/team/app:v1")
    assert fake.token_requests and all("scope=repository%3Ateam%2Fapp%3Apull" in r for r in fake.token_requests)
    assert all("service=fake" in r for r in fake.token_requests)


def test_bearer_token_uses_credentials_from_docker_config(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    fake.bearer, fake.token_user = True, ("bob", "pw")
    with pytest.raises(RegistryError, match="credentials rejected"):
        service(tmp_path).pull(f"{fake.host}/app:v1")
    auth = base64.b64encode(b"bob:pw").decode()
    svc = service(tmp_path, {"auths": {fake.host: {"auth": auth}}})
    assert svc.pull(f"{fake.host}/app:v1").id == built.config_digest


def test_blob_with_wrong_content_fails_closed(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    path = f"/v2/app/blobs/{built.layer_digests[1]}"
    fake.routes[path] = Response(os.urandom(len(fake.routes[path].body)))
    svc = service(tmp_path)
    with pytest.raises(DigestMismatchError, match=built.layer_digests[1]):
        svc.pull(f"{fake.host}/app:v1")
    assert_store_empty(svc)


@pytest.mark.parametrize("change", ["longer", "shorter"])
def test_blob_with_wrong_size_fails_closed(tmp_path, fake, image, change):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    path = f"/v2/app/blobs/{built.layer_digests[0]}"
    body = fake.routes[path].body
    fake.routes[path] = Response(body + b"\0" * 10 if change == "longer" else body[:-10])
    svc = service(tmp_path)
    with pytest.raises(DigestMismatchError, match="more than the announced" if change == "longer" else "got"):
        svc.pull(f"{fake.host}/app:v1")
    assert_store_empty(svc)


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_manifest_is_refused(tmp_path, fake, image, chunked):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    doc = json.loads(built.manifest)
    doc["annotations"] = {"padding": "x" * (4 * 1024 * 1024)}
    fake.add_manifest("app", "big", json.dumps(doc).encode(), built.media_type, chunked=chunked)
    svc = service(tmp_path)
    with pytest.raises(RegistryError, match="limit|more than"):
        svc.pull(f"{fake.host}/app:big")
    assert_store_empty(svc)


def test_manifest_fetched_by_digest_must_hash_to_that_digest(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    other = built.manifest.replace(b"  ", b"   ")
    fake.routes[f"/v2/app/manifests/{built.manifest_digest}"] = Response(other, built.media_type)
    svc = service(tmp_path)
    with pytest.raises(DigestMismatchError, match="hashing to"):
        svc.pull(f"{fake.host}/app@{built.manifest_digest}")
    assert_store_empty(svc)


def test_manifest_header_digest_must_match_content(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    fake.routes["/v2/app/manifests/v1"].headers["Docker-Content-Digest"] = "sha256:" + "0" * 64
    with pytest.raises(DigestMismatchError, match="header says"):
        service(tmp_path).pull(f"{fake.host}/app:v1")


def test_server_errors_are_retried_with_backoff(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    path = f"/v2/app/blobs/{built.layer_digests[0]}"
    fake.fail_first[path] = 2
    fake.fail_first["/v2/app/manifests/v1"] = 1
    assert service(tmp_path).pull(f"{fake.host}/app:v1").id == built.config_digest
    assert [p for m, p, _ in fake.requests if p == path].count(path) == 3


def test_persistent_server_error_is_reported(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    fake.fail_first[f"/v2/app/blobs/{built.config_digest}"] = 100
    svc = service(tmp_path)
    with pytest.raises(RegistryError, match="HTTP 503"):
        svc.pull(f"{fake.host}/app:v1")
    assert_store_empty(svc)


def test_unknown_manifest_is_a_registry_error(tmp_path, fake):
    with pytest.raises(RegistryError, match="manifest unknown"):
        service(tmp_path).pull(f"{fake.host}/nothing:here")


def test_accept_header_names_all_supported_manifest_types(tmp_path, fake, image):
    layout, built = image
    fake.add_image("app", "v1", layout, built)
    service(tmp_path).pull(f"{fake.host}/app:v1")
    accept = next(h for m, p, h in fake.requests if p == "/v2/app/manifests/v1")["Accept"]
    for media_type in ("application/vnd.oci.image.index.v1+json",
                       "application/vnd.docker.distribution.manifest.list.v2+json",
                       "application/vnd.oci.image.manifest.v1+json",
                       "application/vnd.docker.distribution.manifest.v2+json"):
        assert media_type in accept


def test_plain_http_only_for_loopback_or_listed_registries(monkeypatch):
    monkeypatch.delenv("DOCKYARD_INSECURE_REGISTRIES", raising=False)
    assert is_insecure("127.0.0.1:5000") and is_insecure("localhost") and is_insecure("[::1]:5000")
    assert not is_insecure("reg.example:5000")
    assert RegistryClient("reg.example:5000").base == "https://reg.example:5000"
    assert RegistryClient("reg.example:5000", insecure=True).base == "http://reg.example:5000"
    monkeypatch.setenv("DOCKYARD_INSECURE_REGISTRIES", "other.example, reg.example:5000")
    assert RegistryClient("reg.example:5000").base == "http://reg.example:5000"
    assert is_insecure("other.example:443")


def test_connection_errors_are_retried_then_reported():
    from tests.support.registry import free_port
    client = RegistryClient(f"127.0.0.1:{free_port()}", retries=2, backoff=0.01)
    with pytest.raises(RegistryError, match="ConnectError"):
        client.ping()


def test_oversized_config_claim_is_refused_before_download(tmp_path, fake, image):
    layout, built = image
    doc = json.loads(built.manifest)
    doc["config"]["size"] = 1 << 30
    fake.add_manifest("app", "v1", json.dumps(doc).encode(), built.media_type)
    svc = service(tmp_path)
    with pytest.raises(ImageError, match="claims 1073741824 bytes"):
        svc.pull(f"{fake.host}/app:v1")
    assert_store_empty(svc)
    assert not any("/blobs/" in p for _, p, _ in fake.requests)


def test_docker_manifest_list_selects_the_requested_platform(tmp_path, fake):
    layout = Layout(tmp_path / "layout")
    images = {p: layout.image([tar_bytes([Entry("arch", data=p.encode())])], platform=p, docker=True)
              for p in ("linux/amd64", "linux/arm64/v8")}
    for built in images.values():
        fake.add_image("multi", built.manifest_digest, layout, built)
    digest, data = layout.index(list(images.values()), docker=True)
    fake.add_manifest("multi", "1", data, "application/vnd.docker.distribution.manifest.list.v2+json")
    svc = service(tmp_path)
    info = svc.pull(f"{fake.host}/multi:1", platform="linux/arm64")
    assert (info.id, info.architecture, info.variant) == (images["linux/arm64/v8"].config_digest, "arm64", "v8")
    assert (svc.rootfs_layers(f"{fake.host}/multi:1")[0] / "arch").read_text() == "linux/arm64/v8"
    assert svc.inspect(info.id)["Descriptor"]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert digest.split(":")[1] in {p.name for p in svc.store.blobs.iterdir()}  # the list is kept with the image
