"""The real images carry the config their users rely on (like the official images): Env PATH, Cmd, Entrypoint,
ExposedPorts, Healthcheck (durations in nanoseconds), Volumes, WorkingDir, StopSignal; the store holds exactly
the recipe's config."""

from __future__ import annotations

import pytest

from examples.images.recipes import RECIPES, SECOND
from tests.support.realimages import DEBIAN_REF, NGINX_REF, PYTHON_REF, REDIS_REF

pytestmark = pytest.mark.root

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_store_holds_the_recipe_config_for_linux_on_this_machine(images, recipe):
    image = images.service.image_config(recipe.ref)
    assert image["config"] == recipe.config.to_oci()
    assert image["os"] == "linux" and len(image["rootfs"]["diff_ids"]) == 1


@pytest.mark.parametrize("ref", [DEBIAN_REF, PYTHON_REF, REDIS_REF, NGINX_REF])
def test_every_image_sets_the_standard_path(images, ref):
    assert images.config(ref)["Env"][0] == PATH


def test_debian_and_python_commands(images):
    assert images.config(DEBIAN_REF)["Cmd"] == ["bash"]
    python = images.config(PYTHON_REF)
    assert python["Cmd"] == ["python3"] and "LANG=C.UTF-8" in python["Env"]


def test_redis_config(images):
    config = images.config(REDIS_REF)
    assert config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert config["Cmd"] == ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0"]
    assert config["ExposedPorts"] == {"6379/tcp": {}}
    assert config["Volumes"] == {"/data": {}} and config["WorkingDir"] == "/data"
    assert config["Healthcheck"] == {"Test": ["CMD", "redis-cli", "ping"], "Interval": 5 * SECOND,
                                     "Timeout": 3 * SECOND, "Retries": 5}


def test_nginx_config(images):
    config = images.config(NGINX_REF)
    assert config["Cmd"] == ["nginx", "-g", "daemon off;"]
    assert config["ExposedPorts"] == {"80/tcp": {}}
    assert config["StopSignal"] == "SIGQUIT"
    assert config["Healthcheck"]["Test"] == ["CMD", "busybox", "wget", "-q", "--spider", "http://127.0.0.1/"]
    assert config["Healthcheck"]["Interval"] == 5 * SECOND
