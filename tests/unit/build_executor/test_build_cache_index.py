"""The build cache index: an entry is trusted only while its layer blob is in the content store."""

from __future__ import annotations

from runtime.build.cache import BuildCache, CacheEntry, LayerBlob
from runtime.images.store import ContentStore

KEY = "sha256:" + "ab" * 32


def test_entry_with_a_stored_blob_is_a_hit(tmp_path):
    store = ContentStore(tmp_path)
    digest = store.put_bytes(b"layer bytes")
    cache = BuildCache(tmp_path, store)
    entry = CacheEntry(LayerBlob(digest, "sha256:" + "cd" * 32, 11, "application/vnd.oci.image.layer.v1.tar+gzip"),
                       "2026-01-01T00:00:00Z")
    cache.put(KEY, entry)
    assert BuildCache(tmp_path, ContentStore(tmp_path)).get(KEY) == entry


def test_entry_whose_blob_was_freed_is_a_miss(tmp_path):
    store = ContentStore(tmp_path)
    cache = BuildCache(tmp_path, store)
    cache.put(KEY, CacheEntry(LayerBlob("sha256:" + "ee" * 32, "sha256:" + "cd" * 32, 1, "x"), "t"))
    assert cache.get(KEY) is None


def test_a_step_that_changed_nothing_needs_no_blob(tmp_path):
    cache = BuildCache(tmp_path, ContentStore(tmp_path))
    cache.put(KEY, CacheEntry(None, "t"))
    assert cache.get(KEY) == CacheEntry(None, "t")


def test_unknown_and_corrupt_entries_are_misses(tmp_path):
    cache = BuildCache(tmp_path, ContentStore(tmp_path))
    assert cache.get(KEY) is None
    cache.dir.mkdir(parents=True)
    (cache.dir / f"{KEY[7:]}.json").write_text("{not json")
    assert cache.get(KEY) is None
