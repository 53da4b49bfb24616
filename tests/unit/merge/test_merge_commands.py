"""command, entrypoint and healthcheck.test are replaced by the override, never appended."""

from tests.support.merge_yaml import merged


def test_command_is_replaced():
    got = merged('services: {t: {command: ["echo", "foo"]}}', 'services: {t: {command: ["echo", "bar"]}}')
    assert got["services"]["t"]["command"] == ["echo", "bar"]


def test_command_string_replaces_a_list():
    got = merged('services: {t: {command: ["echo", "foo"]}}', "services: {t: {command: echo bar}}")
    assert got["services"]["t"]["command"] == "echo bar"


def test_entrypoint_is_replaced():
    got = merged("services: {t: {entrypoint: [a, b]}}", "services: {t: {entrypoint: [c]}}")
    assert got["services"]["t"]["entrypoint"] == ["c"]


def test_healthcheck_test_is_replaced_and_other_healthcheck_keys_merge():
    got = merged(
        "services: {t: {healthcheck: {test: [CMD, a], interval: 5s}}}",
        "services: {t: {healthcheck: {test: [CMD-SHELL, b], retries: 3}}}",
    )
    assert got["services"]["t"]["healthcheck"] == {"test": ["CMD-SHELL", "b"], "interval": "5s", "retries": 3}
