"""The content store: blobs are named only after digest and size check out; chain ids; garbage collection."""

from __future__ import annotations

import hashlib

import pytest

from runtime.errors import DigestMismatchError, ImageError
from runtime.images.store import ContentStore, chain_ids


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path):
    return ContentStore(tmp_path / "root")


def test_layout_under_the_root(store, tmp_path):
    root = tmp_path / "root"
    assert store.blobs == root / "blobs" / "sha256" and store.tmp == root / "blobs" / "tmp"
    assert (root / "layers").is_dir() and (root / "images").is_dir()


def test_put_bytes_names_blob_by_digest_read_only(store):
    digest = store.put_bytes(b"hello")
    assert digest == digest_of(b"hello")
    path = store.blob_path(digest)
    assert path.read_bytes() == b"hello" and path.stat().st_mode & 0o222 == 0
    assert store.put_bytes(b"hello", digest) == digest  # idempotent


@pytest.mark.parametrize("body, size, message", [
    (b"hellx", 5, "hashes to"),
    (b"hello!", 5, "more than the announced 5"),
    (b"hell", 5, "got 4 bytes, expected 5"),
])
def test_wrong_content_is_never_named(store, body, size, message):
    digest = digest_of(b"hello")
    with pytest.raises(DigestMismatchError, match=message):
        store.write_blob(digest, size, lambda sink: sink.write(body))
    assert not store.has_blob(digest)
    assert [p.name for p in store.tmp.iterdir() if not p.name.endswith(".lock")] == []


def test_sink_reset_allows_a_retry_from_the_start(store):
    digest = digest_of(b"abcdef")

    def flaky(sink):
        sink.write(b"abc")
        sink.reset()
        sink.write(b"abcdef")
    assert store.write_blob(digest, 6, flaky) is True
    assert store.read_blob(digest) == b"abcdef"
    assert store.write_blob(digest, 6, lambda sink: pytest.fail("must not refetch")) is False


def test_ingest_unknown_stream(store, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(b"x" * 3_000_000)
    with open(src, "rb") as fh:
        digest, size = store.ingest(fh)
    assert (digest, size) == (digest_of(b"x" * 3_000_000), 3_000_000)
    assert store.has_blob(digest)


def test_only_sha256_digests_are_accepted(store):
    with pytest.raises(ImageError, match="sha256 only"):
        store.blob_path("sha512:" + "a" * 128)
    with pytest.raises(ImageError, match="sha256 only"):
        store.blob_path("sha256:../../etc/passwd")


def test_chain_ids_follow_the_oci_definition():
    a, b, c = (digest_of(x) for x in (b"a", b"b", b"c"))
    ab = digest_of(f"{a} {b}".encode())
    assert chain_ids([a, b, c]) == [a, ab, digest_of(f"{ab} {c}".encode())]
    assert chain_ids([]) == []


def test_garbage_collection_keeps_only_what_images_reference(store):
    kept, dropped = store.put_bytes(b"config"), store.put_bytes(b"orphan")
    (store.tmp / "abc.partial").write_bytes(b"half")
    with store.edit_index() as doc:
        doc["images"][kept] = {"manifest": None, "chain_ids": [], "repo_digests": []}
    with store.gc_lock(shared=False):
        freed = store.collect_garbage()
    assert freed == [dropped]
    assert store.has_blob(kept) and not store.has_blob(dropped)
    assert list(store.tmp.iterdir()) == []


def test_tidy_waits_for_nobody_and_skips_while_a_pull_runs(store):
    orphan = store.put_bytes(b"orphan")
    with store.gc_lock(shared=True):
        store.tidy()
        assert store.has_blob(orphan)
    store.tidy()
    assert not store.has_blob(orphan)
