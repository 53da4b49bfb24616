"""services.*.ulimits: int or {soft, hard} -> Ulimit."""

from __future__ import annotations

from compose.model import Ulimit
from tests.support.compose_model import canonical_service_of, one_service


def test_int_sets_soft_and_hard():
    web = one_service("ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}")
    assert web.ulimits == (Ulimit("nproc", 65535, 65535), Ulimit("nofile", 20000, 40000))


def test_canonical_form_and_interpolated_strings():
    assert canonical_service_of("ulimits: {nproc: '10', nofile: {soft: '1', hard: '2'}}")["ulimits"] == {
        "nproc": 10,
        "nofile": {"soft": 1, "hard": 2},
    }
