"""Attributes the model does not name are kept in ``extra``; unsupported ones produce warnings with paths."""

from __future__ import annotations

import dataclasses

import pytest

from compose.loader.bind import unsupported_fields
from tests.support.compose_model import normalized, one_service, project


def test_unmodelled_service_fields_are_kept_in_extra():
    web = one_service("image: x\nx-custom: {a: 1}\ncgroup_parent: m-executor\nuserns_mode: host")
    assert web.extra["x-custom"] == {"a": 1}
    assert web.extra["cgroup_parent"] == "m-executor"
    assert web.extra["userns_mode"] == "host"


def test_top_level_extensions_are_kept():
    assert project("services: {web: {image: x}}\nx-common: {a: 1}").extra["x-common"] == {"a": 1}


def test_unsupported_fields_name_their_paths():
    data = normalized(
        """
        services:
          web:
            image: x
            gpus: all
            post_start: [{command: [echo, hi]}]
            deploy: {mode: global}
        """
    )
    warnings = unsupported_fields(data)
    assert any(w.startswith("services.web.gpus:") for w in warnings)
    assert any(w.startswith("services.web.post_start:") for w in warnings)
    assert any(w.startswith("services.web.deploy.mode:") for w in warnings)


def test_plain_service_has_no_warnings():
    assert unsupported_fields(normalized("services: {web: {image: x, ports: ['80:80']}}")) == []


def test_model_is_frozen_and_with_methods_copy():
    web = one_service("image: nginx:1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        web.image = "other"  # type: ignore[misc]
    assert web.with_image("nginx:2").image == "nginx:2"
    assert web.image == "nginx:1"
    assert dict(web.with_environment({"A": "1"}).environment) == {"A": "1"}


def test_project_with_services_keeps_order_and_selection():
    p = project("services: {a: {image: x}, b: {image: x}, c: {image: x}}")
    assert p.with_services(["c", "a"]).service_names == ("a", "c")
    assert p.service_names == ("a", "b", "c")


def test_config_hash_is_set_and_ignores_replicas():
    one = one_service("image: x\ndeploy: {replicas: 1}")
    three = one_service("image: x\ndeploy: {replicas: 3}")
    other = one_service("image: y\ndeploy: {replicas: 1}")
    assert one.config_hash == three.config_hash != other.config_hash
