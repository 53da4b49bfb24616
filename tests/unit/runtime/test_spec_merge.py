"""Docker's command and environment merge rules."""

from __future__ import annotations

from runtime.spec import merge_command, merge_env


def test_image_entrypoint_and_cmd_are_joined():
    assert merge_command(("/entry.sh",), ("serve", "--port", "80")) == ("/entry.sh", "serve", "--port", "80")


def test_command_replaces_image_cmd_but_keeps_image_entrypoint():
    assert merge_command(("/entry.sh",), ("serve",), command=("debug",)) == ("/entry.sh", "debug")


def test_entrypoint_resets_image_cmd():
    assert merge_command(("/entry.sh",), ("serve",), entrypoint=("/bin/sh", "-c")) == ("/bin/sh", "-c")


def test_entrypoint_and_command_both_given():
    assert merge_command(("/e",), ("c",), entrypoint=("sh", "-c"), command=("echo hi",)) == ("sh", "-c", "echo hi")


def test_empty_entrypoint_clears_image_entrypoint_and_cmd():
    assert merge_command(("/e",), ("c",), entrypoint=(), command=("ls",)) == ("ls",)
    assert merge_command(("/e",), ("c",), entrypoint=()) == ()


def test_empty_command_given_clears_image_cmd():
    assert merge_command(None, ("sh",), command=()) == ()


def test_image_without_entrypoint_uses_cmd():
    assert merge_command(None, ("sh",)) == ("sh",)


def test_env_later_layers_win_and_first_seen_order_is_kept():
    image = ("PATH=/usr/bin", "LANG=C", "A=1")
    env_file = {"A": "2", "B": "x"}
    environment = ["LANG=en_US.UTF-8", "C"]
    assert merge_env(image, env_file, environment) == ("PATH=/usr/bin", "LANG=en_US.UTF-8", "A=2", "B=x", "C=")


def test_env_values_may_contain_equals_signs():
    assert merge_env(("X=a=b",)) == ("X=a=b",)
