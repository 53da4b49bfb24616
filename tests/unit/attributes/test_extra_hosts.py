"""services.*.extra_hosts: list (host:ip, host=ip, host=ip1,ip2) or map -> (host, ip) pairs."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from tests.support.compose_model import canonical_service_of, one_service


def test_list_with_colon_separator_and_ipv6():
    web = one_service("extra_hosts: ['alpha:50.31.209.229', 'zulu:127.0.0.2', 'zulu:ff02::1']")
    assert web.extra_hosts == (("alpha", "50.31.209.229"), ("zulu", "127.0.0.2"), ("zulu", "ff02::1"))


def test_map_form():
    web = one_service("extra_hosts: {zulu: 162.242.195.82, alpha: 50.31.209.229}")
    assert web.extra_hosts == (("zulu", "162.242.195.82"), ("alpha", "50.31.209.229"))


def test_repeated_ips_and_long_syntax_agree():
    assert canonical_service_of("extra_hosts: ['myhost=0.0.0.1,0.0.0.2']")["extra_hosts"] == {
        "myhost": ["0.0.0.1", "0.0.0.2"]
    }
    assert canonical_service_of("extra_hosts: {myhost: [0.0.0.1, 0.0.0.2]}")["extra_hosts"] == {
        "myhost": ["0.0.0.1", "0.0.0.2"]
    }


def test_bracketed_ipv6_loses_its_brackets():
    assert one_service("extra_hosts: ['h=[::1]']").extra_hosts == (("h", "::1"),)


def test_missing_ip_is_an_error():
    with pytest.raises(SchemaError, match=r"services.web.extra_hosts\[0\]: \"nohost\" is not a valid extra host"):
        one_service("extra_hosts: [nohost]")
