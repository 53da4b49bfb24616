"""services.*.expose: numbers and ranges -> strings."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_numbers_become_strings():
    assert one_service("expose: [3000, '8000-8010', 9090/udp]").expose == ("3000", "8000-8010", "9090/udp")
