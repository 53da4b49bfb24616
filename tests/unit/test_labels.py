"""compose.labels: Docker Compose's label keys, container names and a stable config hash."""

from __future__ import annotations

from compose import labels
from compose.labels import config_hash, container_name


def test_keys_are_docker_compose_keys():
    assert labels.PROJECT == "com.docker.compose.project"
    assert labels.SERVICE == "com.docker.compose.service"
    assert labels.CONTAINER_NUMBER == "com.docker.compose.container-number"
    assert labels.ONEOFF == "com.docker.compose.oneoff"
    assert labels.CONFIG_HASH == "com.docker.compose.config-hash"
    assert labels.WORKING_DIR == "com.docker.compose.project.working_dir"
    assert labels.CONFIG_FILES == "com.docker.compose.project.config_files"
    assert labels.DEPENDS_ON == "com.docker.compose.depends_on"
    assert labels.VERSION == "com.docker.compose.version"
    assert labels.IMAGE == "com.docker.compose.image"


def test_container_name():
    assert container_name("myapp", "web", 1) == "myapp-web-1"
    assert container_name("myapp", "web", 2, oneoff=True) == "myapp-web-run-2"


def test_config_hash_is_stable_across_key_order():
    a = {"image": "nginx", "environment": {"A": "1", "B": "2"}, "ports": [{"target": 80}]}
    b = {"ports": [{"target": 80}], "environment": {"B": "2", "A": "1"}, "image": "nginx"}
    assert config_hash(a) == config_hash(b)
    assert len(config_hash(a)) == 64


def test_config_hash_changes_with_the_config():
    assert config_hash({"image": "nginx:1"}) != config_hash({"image": "nginx:2"})


def test_replicas_and_scale_do_not_change_the_hash():
    base = {"image": "nginx", "deploy": {"resources": {"limits": {"cpus": 1.0}}}}
    scaled = {"image": "nginx", "scale": 3, "deploy": {"replicas": 3, "resources": {"limits": {"cpus": 1.0}}}}
    assert config_hash(base) == config_hash(scaled)


def test_config_hash_does_not_modify_its_input():
    svc = {"image": "x", "deploy": {"replicas": 2}}
    config_hash(svc)
    assert svc == {"image": "x", "deploy": {"replicas": 2}}


def test_service_labels():
    assert labels.service_labels("p", "web", 1, hash_="abc") == {
        labels.PROJECT: "p",
        labels.SERVICE: "web",
        labels.CONTAINER_NUMBER: "1",
        labels.ONEOFF: "False",
        labels.CONFIG_HASH: "abc",
    }


def test_build_and_pull_policy_do_not_change_the_hash():
    assert config_hash({"image": "app", "build": {"context": "/a"}, "pull_policy": "build"}) == config_hash(
        {"image": "app", "build": {"context": "/b"}}
    )
