"""services.*.depends_on: list and map forms, implicit dependencies -> DependsOn."""

from __future__ import annotations

from compose.model import DependsOn
from tests.support.compose_model import canonical_service_of, normalized, project


def test_list_form_is_service_started_and_required():
    assert canonical_service_of("depends_on: [db, cache]")["depends_on"] == {
        "db": {"condition": "service_started", "required": True},
        "cache": {"condition": "service_started", "required": True},
    }


def test_map_form_keeps_condition_restart_and_required():
    p = project(
        """
        services:
          web:
            image: x
            depends_on:
              db: {condition: service_healthy, restart: true}
              migrate: {condition: service_completed_successfully, required: false}
          db: {image: pg}
          migrate: {image: m}
        """
    )
    assert p.services["web"].depends_on == (
        DependsOn("db", "service_healthy", required=True, restart=True),
        DependsOn("migrate", "service_completed_successfully", required=False),
    )


def test_implicit_dependencies_like_compose_go_normalize():
    data = normalized(
        """
        services:
          foo:
            depends_on:
              bar: {condition: service_healthy, required: true, restart: true}
            network_mode: service:zot
          bar:
            volumes_from: [zot, container:xxx]
          zot: {}
        """
    )
    services = data["services"]
    assert services["foo"]["depends_on"] == {
        "bar": {"condition": "service_healthy", "required": True, "restart": True},
        "zot": {"condition": "service_started", "required": True, "restart": True},
    }
    assert services["bar"]["depends_on"] == {
        "zot": {"condition": "service_started", "required": True, "restart": False}
    }
    assert "networks" not in services["foo"]


def test_explicit_dependency_is_not_overridden_by_an_implicit_one():
    data = normalized(
        """
        services:
          test:
            ipc: service:foo
            pid: service:qux
            links: ['corge:alias']
            depends_on: {foo: {condition: service_healthy}}
          foo: {}
          qux: {}
          corge: {}
        """
    )
    deps = data["services"]["test"]["depends_on"]
    assert deps["foo"]["condition"] == "service_healthy"
    assert set(deps) == {"foo", "qux", "corge"}
    assert deps["corge"]["restart"] is True
