"""services.*.networks and top-level networks: default network, names, attachments -> ServiceNetwork / Network."""

from __future__ import annotations

import pytest

from compose.errors import ConsistencyError
from compose.model import ServiceNetwork
from tests.support.compose_model import normalized, one_service, project


def test_service_without_networks_joins_the_default_network():
    data = normalized("services: {test: {image: test}}", name="myProject")
    assert data["services"]["test"]["networks"] == {"default": None}
    assert data["networks"] == {"default": {"name": "myProject_default"}}


def test_custom_network_gets_project_prefix_and_no_default_is_added():
    data = normalized(
        """
        services: {test: {networks: {my_network: null}}}
        networks: {my_network: null}
        """,
        name="myProject",
    )
    assert data["networks"] == {"my_network": {"name": "myProject_my_network"}}


def test_external_and_named_networks_keep_their_names():
    data = normalized(
        """
        services: {foo: {image: x}}
        networks:
          myExternalnet: {external: true}
          myNamedNet: {name: CustomName}
          mynet: {}
        """,
        name="myProject",
    )
    assert data["networks"] == {
        "default": {"name": "myProject_default"},
        "myExternalnet": {"name": "myExternalnet", "external": True},
        "myNamedNet": {"name": "CustomName"},
        "mynet": {"name": "myProject_mynet"},
    }


def test_network_mode_means_no_default_network():
    data = normalized("services: {a: {image: x, network_mode: host}}")
    assert "networks" not in data["services"]["a"]
    assert "networks" not in data


def test_list_form_and_attachment_options():
    p = project(
        """
        services:
          web:
            image: x
            networks:
              front:
                aliases: [www, site]
                ipv4_address: 172.16.238.10
                priority: "100"
              back:
        networks: {front: {}, back: {internal: "true"}}
        """
    )
    assert p.services["web"].networks == (
        ServiceNetwork("front", aliases=("www", "site"), ipv4_address="172.16.238.10", priority=100),
        ServiceNetwork("back"),
    )
    assert p.networks["back"].internal is True
    assert p.networks["front"].name == "test_front"


def test_list_form_becomes_map():
    web = one_service("networks: [default]")
    assert [n.name for n in web.networks] == ["default"]


def test_undeclared_network_is_a_consistency_error():
    with pytest.raises(ConsistencyError, match="services.web.networks.x: .* refers to undefined network 'x'"):
        one_service("networks: [x]")


def test_network_mode_and_networks_cannot_be_combined():
    with pytest.raises(ConsistencyError, match="services.web.network_mode: .* both network_mode and networks"):
        project("services: {web: {image: x, network_mode: host, networks: [front]}}\nnetworks: {front: {}}")
