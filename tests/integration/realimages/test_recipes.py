"""The recipes behind the real images (no root needed): the Dockerfile each would be built from with
dockyard's build (``FROM scratch`` + ``ADD rootfs.tar.zst /`` + config lines) plans to exactly the config that
is imported today, and the rootfs cache key changes with what goes into a rootfs and nothing else."""

from __future__ import annotations

import dataclasses
import tarfile

import pytest

from examples.images.cache import recipe_key
from examples.images.recipes import RECIPES, REDIS, FileEdit, ImageConfig, UnknownImageError, find
from runtime.images.buildplan import plan_build


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_dockerfile_plans_to_the_imported_config(tmp_path, recipe):
    with tarfile.open(tmp_path / "rootfs.tar", "w"):
        pass
    plan = plan_build(recipe.config.to_dockerfile("rootfs.tar"), context_dir=tmp_path)
    assert plan.problems() == () and plan.offline_errors() == ()
    assert plan.image_config()["config"] == recipe.config.to_oci()


def test_dockerfile_starts_from_scratch_and_adds_the_rootfs():
    lines = REDIS.config.to_dockerfile("redis.tar.zst").splitlines()
    assert lines[:2] == ["FROM scratch", "ADD redis.tar.zst /"]
    assert lines[-1] == 'CMD ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0"]'


def test_cache_key_follows_packages_and_files_not_config():
    base = recipe_key(REDIS)
    assert recipe_key(dataclasses.replace(REDIS, config=ImageConfig(cmd=("sh",)))) == base
    assert recipe_key(dataclasses.replace(REDIS, packages=("redis-server",))) != base
    assert recipe_key(dataclasses.replace(REDIS, files=(FileEdit("/etc/motd", text="hi"),))) != base
    assert recipe_key(dataclasses.replace(REDIS, packages=tuple(reversed(REDIS.packages)))) == base


def test_images_are_found_by_short_name_or_reference():
    assert [r.ref for r in find(["redis", "dockyard.local/nginx:1"])] == ["dockyard.local/redis:7",
                                                                          "dockyard.local/nginx:1"]
    assert find([]) == list(RECIPES)
    with pytest.raises(UnknownImageError, match="unknown image"):
        find(["mysql"])
