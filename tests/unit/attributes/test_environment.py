"""services.*.environment and env_file: list or map -> a read-only map; bare keys come from the shell."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from compose.model import EnvFile
from tests.support.compose_model import canonical_service_of, one_service


def test_list_becomes_map():
    web = one_service("environment: [A=1, B=two=2, C=]")
    assert dict(web.environment) == {"A": "1", "B": "two=2", "C": ""}


def test_bare_key_is_taken_from_the_shell_environment():
    web = one_service("environment: [FOO, BAR, ZOT=QIX]", environ={"BAR": "bar"})
    assert dict(web.environment) == {"FOO": None, "BAR": "bar", "ZOT": "QIX"}


def test_null_map_value_is_taken_from_the_shell_environment():
    web = one_service("environment: {BAR: null, BAZ: null}", environ={"BAR": "bar"})
    assert dict(web.environment) == {"BAR": "bar", "BAZ": None}


def test_scalars_in_a_map_become_strings_like_compose_go():
    web = one_service("environment: {DEBUG: true, PORT: 8080, RATIO: 0.5, DISABLED: false}")
    assert dict(web.environment) == {"DEBUG": "true", "PORT": "8080", "RATIO": "0.5", "DISABLED": "false"}


def test_environment_is_read_only():
    web = one_service("environment: [A=1]")
    try:
        web.environment["A"] = "2"  # type: ignore[index]
    except TypeError:
        return
    raise AssertionError("environment must not be mutable")


def test_env_file_string_is_one_required_file():
    assert canonical_service_of("env_file: .env")["env_file"] == [{"path": ".env", "required": True}]


def test_env_file_paths_are_absolute_and_keep_required_and_format():
    web = one_service(
        """
        env_file:
          - ./a.env
          - {path: b.env, required: false, format: raw}
        """
    )
    assert web.env_files == (EnvFile("/project/a.env"), EnvFile("/project/b.env", False, "raw"))


def test_a_variable_name_with_a_trailing_space_is_rejected():
    with pytest.raises(SchemaError, match="environment variable DEBUG  is declared with a trailing space"):
        one_service('environment: ["DEBUG = true"]')
