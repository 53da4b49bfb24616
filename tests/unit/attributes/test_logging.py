"""services.*.logging: driver and options (values as strings) -> Logging."""

from __future__ import annotations

from tests.support.compose_model import one_service


def test_driver_and_string_options():
    logging = one_service("logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}").logging
    assert logging.driver == "json-file"
    assert dict(logging.options) == {"max-size": "10m", "max-file": "3"}
