"""services.*.dns / dns_search / dns_opt: string or list -> tuple."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_string_and_list():
    web = one_service("dns: 8.8.8.8\ndns_search: [a.example, b.example]\ndns_opt: [use-vc]")
    assert (web.dns, web.dns_search, web.dns_opt) == (("8.8.8.8",), ("a.example", "b.example"), ("use-vc",))
