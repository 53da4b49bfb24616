"""services.*.healthcheck: test forms and Go durations -> Healthcheck with float seconds."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from compose.loader.canonical import parse_duration
from compose.model import Healthcheck
from tests.support.compose_model import canonical_service_of, one_service


def test_string_test_becomes_cmd_shell_and_durations_become_seconds():
    web = one_service(
        """
        healthcheck:
          test: echo "hello world"
          interval: 10s
          timeout: 1s
          retries: 5
          start_period: 15s
          start_interval: 5s
        """
    )
    assert web.healthcheck == Healthcheck(
        test=("CMD-SHELL", 'echo "hello world"'),
        interval=10.0,
        timeout=1.0,
        retries=5,
        start_period=15.0,
        start_interval=5.0,
    )


def test_canonical_durations_are_printed_like_go():
    hc = canonical_service_of("healthcheck: {test: [CMD, true], interval: 90s, timeout: 1h, start_period: 1500ms}")
    assert hc["healthcheck"] == {
        "test": ["CMD", "true"],
        "interval": "1m30s",
        "timeout": "1h0m0s",
        "start_period": "1.5s",
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m30s", 90.0), ("1h", 3600.0), ("10ms", 0.01), ("1.5s", 1.5), ("0", 0.0), ("2h45m", 9900.0), ("500us", 0.0005)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


def test_disable_and_none_test_mean_disabled():
    assert one_service("healthcheck: {disable: true}").healthcheck.disabled
    assert one_service("healthcheck: {test: [NONE]}").healthcheck.disabled
    assert not one_service("healthcheck: {test: [CMD, 'true']}").healthcheck.disabled


def test_interpolated_retries_become_int():
    assert one_service("healthcheck: {test: [CMD, x], retries: '3'}").healthcheck.retries == 3


def test_invalid_duration_names_path():
    with pytest.raises(SchemaError, match=r'services.web.healthcheck.interval: "10 seconds" is not a valid duration'):
        one_service("healthcheck: {test: [CMD, x], interval: 10 seconds}")
