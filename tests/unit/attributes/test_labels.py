"""services.*.labels, annotations, sysctls: list or map -> read-only string maps."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_labels_list_and_bare_key():
    web = one_service("labels: [com.example.a=1, com.example.flag]")
    assert dict(web.labels) == {"com.example.a": "1", "com.example.flag": ""}


def test_labels_map_values_become_strings():
    assert dict(one_service("labels: {a: 1, b: true}").labels) == {"a": "1", "b": "true"}


def test_annotations_list_to_map():
    assert dict(one_service("annotations: [x=y]").annotations) == {"x": "y"}


def test_sysctls_list_and_map():
    assert dict(one_service("sysctls: [net.core.somaxconn=1024]").sysctls) == {"net.core.somaxconn": "1024"}
    assert dict(one_service("sysctls: {net.ipv4.tcp_syncookies: 0}").sysctls) == {"net.ipv4.tcp_syncookies": "0"}


def test_a_label_with_an_empty_key_is_kept_as_compose_go_keeps_it():
    # "$UNSET=BAR" interpolates to "=BAR": Docker Compose loads it as the label "" = "BAR"
    assert dict(one_service('labels: ["=BAR"]').labels) == {"": "BAR"}
