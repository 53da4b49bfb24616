"""services.*.tmpfs: string or list -> tuple of mount specs."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_string_becomes_one_entry():
    assert one_service("tmpfs: /run").tmpfs == ("/run",)


def test_list_kept_in_order():
    assert one_service("tmpfs: [/run, '/tmp:size=64m']").tmpfs == ("/run", "/tmp:size=64m")
