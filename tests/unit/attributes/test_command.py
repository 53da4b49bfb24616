"""services.*.command / entrypoint: strings split with shell quoting (as Docker Compose prints them), lists kept."""

from __future__ import annotations

import pytest

from compose.errors import SchemaError
from compose.loader.canonical import split_command
from tests.support.compose_model import one_service


def test_string_command_is_split_like_a_shell_would():
    web = one_service("command: bundle exec thin -p 3000\nentrypoint: sh -c 'echo a b'")
    assert web.command == ("bundle", "exec", "thin", "-p", "3000")
    assert web.entrypoint == ("sh", "-c", "echo a b")


def test_list_command_becomes_a_tuple():
    web = one_service("command: [bundle, exec, thin]\nentrypoint: [/bin/sh, -c]")
    assert (web.command, web.entrypoint) == (("bundle", "exec", "thin"), ("/bin/sh", "-c"))


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("echo hello", ["echo", "hello"]),
        ("sh -c 'echo $HOME && ls'", ["sh", "-c", "echo $HOME && ls"]),
        ('echo "a b" c\\ d', ["echo", "a b", "c d"]),
        ("", []),
    ],
)
def test_split_command(text, argv):
    assert split_command(text) == argv


def test_unbalanced_quotes_are_an_error():
    with pytest.raises(SchemaError, match="not a valid command"):
        split_command("echo 'oops", ("services", "web", "command"))
