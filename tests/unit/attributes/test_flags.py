"""privileged, read_only, stdin_open, tty, init: booleans, interpolated strings cast."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from tests.support.compose_model import one_service


def test_booleans_and_interpolated_strings():
    web = one_service("privileged: 'true'\nread_only: true\nstdin_open: 'false'\ntty: 'yes'\ninit: true")
    assert (web.privileged, web.read_only, web.stdin_open, web.tty, web.init) == (True, True, False, True, True)


def test_invalid_boolean_names_path():
    with pytest.raises(SchemaError, match='services.web.tty: "maybe" is not a valid boolean'):
        one_service("tty: maybe")
