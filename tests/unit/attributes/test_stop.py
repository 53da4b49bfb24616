"""stop_signal and stop_grace_period (Go duration -> seconds)."""

from __future__ import annotations

from tests.support.compose_model import canonical_service_of, one_service


def test_grace_period_in_seconds():
    web = one_service("stop_signal: SIGUSR1\nstop_grace_period: 1m30s")
    assert (web.stop_signal, web.stop_grace_period) == ("SIGUSR1", 90.0)


def test_canonical_prints_go_duration():
    assert canonical_service_of("stop_grace_period: 120s")["stop_grace_period"] == "2m0s"
