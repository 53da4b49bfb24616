"""Mappings merge key by key; scalars are replaced; a null override keeps the base."""

import pytest

from compose.errors import LoadError
from tests.support.merge_yaml import merged


def test_keys_of_both_files_are_kept_and_the_override_wins_on_conflict():
    got = merged(
        "services: {foo: {key1: value1, key2: value2}}",
        "services: {foo: {key2: VALUE, key3: value3}}",
    )
    assert got == {"services": {"foo": {"key1": "value1", "key2": "VALUE", "key3": "value3"}}}


def test_nested_mappings_merge_deeply():
    got = merged(
        "services: {web: {deploy: {resources: {limits: {cpus: '1', memory: 1g}}}}}",
        "services: {web: {deploy: {resources: {limits: {memory: 2g}}, replicas: 2}}}",
    )
    assert got["services"]["web"]["deploy"] == {"resources": {"limits": {"cpus": "1", "memory": "2g"}}, "replicas": 2}


def test_a_service_only_in_the_override_is_added():
    got = merged("services: {a: {image: a}}", "services: {b: {image: b}}")
    assert got == {"services": {"a": {"image": "a"}, "b": {"image": "b"}}}


def test_scalar_of_another_type_replaces_the_base_value():
    assert merged("services: {t: {mem_limit: 256m}}", "services: {t: {mem_limit: 1}}")["services"]["t"] == {
        "mem_limit": 1
    }


def test_null_in_the_override_keeps_the_base_value():
    assert merged("services: {t: {image: foo}}", "services: {t: {image: null}}")["services"]["t"] == {"image": "foo"}


def test_extension_fields_merge_like_any_mapping():
    got = merged("x-common: {a: 1, b: 2}\nservices: {}", "x-common: {b: 3}")
    assert got["x-common"] == {"a": 1, "b": 3}


def test_top_level_resources_merge_by_name():
    got = merged(
        "networks: {front: {driver: bridge}}\nvolumes: {data: {}}",
        "networks: {front: {internal: true}, back: {}}\nvolumes: {data: {driver: local}}",
    )
    assert got["networks"] == {"front": {"driver": "bridge", "internal": True}, "back": {}}
    assert got["volumes"] == {"data": {"driver": "local"}}


def test_mapping_over_a_list_is_an_error_located_in_the_override():
    with pytest.raises(LoadError) as err:
        merged("services: {t: {deploy: {placement: {constraints: [a]}}}}",
               "services:\n  t:\n    deploy:\n      placement:\n        constraints: {a: b}\n")
    assert "services.t.deploy.placement.constraints" in str(err.value)
    assert "override.yaml:5" in str(err.value)


def test_the_inputs_are_not_modified():
    from tests.support.merge_yaml import read_one
    from compose.loader.merge import merge

    b = read_one("services: {t: {environment: {A: '1'}, ports: ['80:80']}}")
    o = read_one("services: {t: {environment: {B: '2'}, ports: ['81:81']}}")
    merge(b.data, o.data, b.marks, o.marks)
    assert b.data == {"services": {"t": {"environment": {"A": "1"}, "ports": ["80:80"]}}}
    assert o.data == {"services": {"t": {"environment": {"B": "2"}, "ports": ["81:81"]}}}
