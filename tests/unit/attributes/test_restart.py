"""services.*.restart: policy string kept; a YAML 1.1 ``no`` (False) means "no"."""

from __future__ import annotations

import pytest

from tests.support.compose_model import one_service


@pytest.mark.parametrize("policy", ["always", "on-failure:3", "unless-stopped", "'no'"])
def test_policy_kept(policy):
    assert one_service(f"restart: {policy}").restart == policy.strip("'")


def test_boolean_no_means_no():
    assert one_service("restart: no").restart == "no"
