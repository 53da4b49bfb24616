"""services.*.pull_policy: kept; the legacy if_not_present means missing."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_if_not_present_is_missing():
    assert one_service("image: x\npull_policy: if_not_present").pull_policy == "missing"


def test_other_values_kept():
    assert one_service("image: x\npull_policy: always").pull_policy == "always"
