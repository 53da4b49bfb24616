"""logging: options merge when both files use the same driver (or one names none); another driver replaces."""

from tests.support.merge_yaml import merged


def test_same_driver_merges_options():
    got = merged("services: {t: {logging: {driver: json-file, options: {max-size: 1m}}}}",
                 "services: {t: {logging: {driver: json-file, options: {max-file: '3'}}}}")
    assert got["services"]["t"]["logging"] == {"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}}


def test_no_driver_in_the_override_merges_options():
    got = merged("services: {t: {logging: {driver: syslog, options: {a: '1'}}}}",
                 "services: {t: {logging: {options: {b: '2'}}}}")
    assert got["services"]["t"]["logging"] == {"driver": "syslog", "options": {"a": "1", "b": "2"}}


def test_another_driver_replaces_the_whole_logging_section():
    got = merged("services: {t: {logging: {driver: syslog, options: {a: '1'}}}}",
                 "services: {t: {logging: {driver: json-file}}}")
    assert got["services"]["t"]["logging"] == {"driver": "json-file"}
