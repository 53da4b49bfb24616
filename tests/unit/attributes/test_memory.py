"""mem_limit, mem_reservation, memswap_limit, shm_size: byte sizes -> ints (binary units); cpus -> float."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from compose.loader.canonical import parse_bytes
from tests.support.compose_model import one_service


def test_units_are_binary_and_case_insensitive():
    web = one_service("mem_limit: 1g\nmem_reservation: 512M\nshm_size: 64mb\nmemswap_limit: -1")
    assert (web.mem_limit, web.mem_reservation, web.shm_size, web.memswap_limit) == (
        1024**3,
        512 * 1024**2,
        64 * 1024**2,
        -1,
    )


@pytest.mark.parametrize(("text", "size"), [("640kb", 655360), ("1.5g", 1610612736), ("100", 100), (2048, 2048)])
def test_parse_bytes(text, size):
    assert parse_bytes(text) == size


def test_cpus_string_becomes_float():
    assert one_service("cpus: '0.5'").cpus == 0.5


def test_invalid_size_names_path():
    with pytest.raises(SchemaError, match='services.web.mem_limit: "lots" is not a valid byte size'):
        one_service("mem_limit: lots")
