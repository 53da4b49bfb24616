"""ports: unique by host ip, published port, target port and protocol, whichever syntax is used."""

from tests.support.merge_yaml import merged


def ports(base: str, over: str) -> list:
    return merged(f"services: {{t: {{ports: {base}}}}}", f"services: {{t: {{ports: {over}}}}}")["services"]["t"][
        "ports"
    ]


def test_new_ports_are_appended():
    assert ports("['8080:80']", "['8443:443']") == ["8080:80", "8443:443"]


def test_the_same_port_twice_is_kept_once():
    assert ports("['8080:80']", "['8080:80']") == ["8080:80"]


def test_long_syntax_replaces_the_same_short_port_in_place():
    got = ports("['8080:80', '9000:9000']", "[{target: 80, published: 8080, protocol: tcp, mode: host}]")
    assert got == [{"target": 80, "published": 8080, "protocol": "tcp", "mode": "host"}, "9000:9000"]


def test_a_different_protocol_or_host_ip_is_another_port():
    assert ports("['8080:80']", "['8080:80/udp', '127.0.0.1:8080:80']") == [
        "8080:80", "8080:80/udp", "127.0.0.1:8080:80"
    ]


def test_published_as_string_or_number_is_the_same_port():
    assert ports("[{target: 80, published: '8080'}]", "['8080:80']") == ["8080:80"]
