"""services.*.ports: short syntax, ranges, IPv6 host IPs and long syntax -> Port (as docker compose config prints)."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from compose.model import Port
from tests.support.compose_model import canonical_service_of, one_service


def test_short_syntax_host_and_container_port():
    web = one_service("ports: ['80:8080', '90:8090/udp', 8600]")
    assert web.ports == (
        Port(target=8080, published="80"),
        Port(target=8090, published="90", protocol="udp"),
        Port(target=8600),
    )


def test_canonical_form_is_what_compose_config_prints():
    assert canonical_service_of("ports: ['127.0.0.1:8080:80/udp']")["ports"] == [
        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "udp"}
    ]


def test_equal_ranges_give_one_port_per_pair():
    web = one_service("ports: ['80-82:8080-8082']")
    assert [(p.published, p.target) for p in web.ports] == [("80", 8080), ("81", 8081), ("82", 8082)]


def test_host_range_for_one_container_port_is_kept_as_a_range():
    (port,) = one_service("ports: ['8000-8010:80']").ports
    assert port.published == "8000-8010"
    assert port.published_range() == (8000, 8010)


def test_container_range_alone_publishes_ephemeral_ports():
    ports = one_service("ports: ['3000-3002']").ports
    assert [(p.target, p.published) for p in ports] == [(3000, None), (3001, None), (3002, None)]


def test_ipv6_host_ip_in_brackets():
    (port,) = one_service("ports: ['[::1]:80:8080']").ports
    assert (port.host_ip, port.published, port.target) == ("::1", "80", 8080)


def test_host_ip_with_ephemeral_host_port():
    (port,) = one_service("ports: ['127.0.0.1::5000']").ports
    assert (port.host_ip, port.published, port.target) == ("127.0.0.1", None, 5000)


def test_long_syntax_keeps_mode_and_converts_published_to_string():
    (port,) = one_service(
        """
        ports:
          - target: 80
            published: 8080
            protocol: tcp
            mode: host
            app_protocol: http
            name: web
        """
    ).ports
    assert port == Port(target=80, published="8080", mode="host", app_protocol="http", name="web")


def test_interpolated_strings_become_numbers():
    (port,) = one_service("ports: [{target: '80', published: '8080'}]").ports
    assert (port.target, port.published) == (80, "8080")


@pytest.mark.parametrize(
    "spec",
    ["80:80:80", "abc", "80:70000", "82-80:80", "80-81:90-93", "8080:80/icmp", "1.2.3.4:"],
)
def test_invalid_port_names_path_and_fix(spec):
    with pytest.raises(SchemaError) as info:
        one_service(f"ports: ['{spec}']")
    text = str(info.value)
    assert text.startswith("services.web.ports[0]:")
    assert f'"{spec}" is not a valid port' in text


def test_invalid_port_hint_shows_the_syntax():
    with pytest.raises(SchemaError, match=r"use \[HOST_IP:\]\[HOST:\]CONTAINER\[/PROTO\]"):
        one_service("ports: ['80:80:80']")


def test_error_points_at_file_line_column_when_marks_are_given():
    from compose.loader.canonical import canonicalize
    from compose.loader.document import Mark

    data = {"services": {"web": {"image": "x", "ports": ["80:80:80"]}}}
    marks = {("services", "web", "ports", 0): Mark("compose.yaml", 7, 9)}
    with pytest.raises(SchemaError) as info:
        canonicalize(data, marks)
    assert str(info.value).startswith('compose.yaml:7:9 services.web.ports[0]: "80:80:80" is not a valid port')
