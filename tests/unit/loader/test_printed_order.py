"""The order `docker compose config` prints a project in."""

from __future__ import annotations

from compose.loader.printed import printed_order


def test_top_level_sections_come_in_compose_order_and_extensions_last():
    data = {"x-common": {}, "volumes": {}, "secrets": {}, "networks": {}, "services": {}, "name": "p", "configs": {}}
    assert list(printed_order(data)) == ["name", "services", "networks", "volumes", "secrets", "configs", "x-common"]


def test_services_are_sorted_and_their_attributes_alphabetical():
    data = {"services": {"web": {"ports": [], "image": "x", "environment": {}}, "db": {"image": "y"}}}
    out = printed_order(data)["services"]
    assert list(out) == ["db", "web"]
    assert list(out["web"]) == ["environment", "image", "ports"]


def test_go_maps_are_sorted_by_key_and_structs_keep_compose_go_field_order():
    svc = {
        "environment": {"Z": "1", "A": "2"},
        "networks": {"front": None, "back": None},
        "healthcheck": {"retries": 3, "interval": "5s", "test": ["CMD", "true"], "timeout": "1s"},
        "build": {"target": "t", "dockerfile": "Dockerfile", "context": "/src", "args": {"b": "1", "a": "2"}},
        "depends_on": {"db": {"required": True, "condition": "service_started"}},
    }
    out = printed_order({"services": {"web": svc}})["services"]["web"]
    assert list(out["environment"]) == ["A", "Z"]
    assert list(out["networks"]) == ["back", "front"]
    assert list(out["healthcheck"]) == ["test", "timeout", "interval", "retries"]
    assert list(out["build"]) == ["context", "dockerfile", "args", "target"]
    assert list(out["build"]["args"]) == ["a", "b"]
    assert list(out["depends_on"]["db"]) == ["condition", "required"]


def test_resources_are_sorted_with_name_first():
    data = {"volumes": {"b": {"driver": "local", "name": "p_b"}, "a": {"labels": {"z": "1", "y": "2"}, "name": "p_a"}}}
    out = printed_order(data)["volumes"]
    assert list(out) == ["a", "b"]
    assert list(out["b"]) == ["name", "driver"]
    assert list(out["a"]["labels"]) == ["y", "z"]
