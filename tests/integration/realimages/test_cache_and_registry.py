"""A warm rootfs cache makes the images in any store by import alone, an image already in a store is not imported
again, and the images travel through a real registry (Debian's docker-registry on 127.0.0.1) unchanged."""

from __future__ import annotations

import pytest

from examples.images.build import ensure_images
from examples.images.cache import ImageCache, cache_root
from examples.images.recipes import RECIPES
from runtime.images.service import ImageService
from tests.support.registry import registry  # noqa: F401 - fixture

pytestmark = pytest.mark.root


def test_warm_cache_imports_without_building_and_a_second_run_changes_nothing(real_images, tmp_path):
    first = ensure_images(tmp_path / "root", [])
    assert [(r.ref, r.built, r.imported) for r in first] == [(r.ref, False, True) for r in RECIPES]
    ids = {r.ref: ImageService(tmp_path / "root").get(r.ref).id for r in RECIPES}
    again = ensure_images(tmp_path / "root", [])
    assert [(r.built, r.imported) for r in again] == [(False, False)] * len(RECIPES)
    assert {r.ref: ImageService(tmp_path / "root").get(r.ref).id for r in RECIPES} == ids


def test_layer_in_the_store_is_the_cached_tar_byte_for_byte(real_images):
    service = ImageService(real_images.root)
    cache = ImageCache(cache_root())
    for recipe in RECIPES:
        manifest = service.store.manifest(service.get(recipe.ref).manifest_digest)
        assert [layer.digest for layer in manifest.layers] == [cache.lookup(recipe).blob_digest]


@pytest.mark.registry
def test_images_pushed_to_a_local_registry_pull_back_with_the_same_config_and_layer(real_images, registry,
                                                                                      tmp_path):
    results = ensure_images(real_images.root, [], push=registry.host)
    assert [r.pushed_as for r in results] == [f"{registry.host}/{r.ref.split('/', 1)[1]}" for r in RECIPES]
    assert registry.get("/v2/redis/tags/list")[2] == b'{"name":"redis","tags":["7"]}\n'
    source, puller = ImageService(real_images.root), ImageService(tmp_path / "pulled")
    for recipe, result in zip(RECIPES, results):
        pulled = puller.pull(result.pushed_as, insecure=True)
        assert pulled.id == source.get(recipe.ref).id
        assert puller.image_config(result.pushed_as)["config"] == recipe.config.to_oci()
