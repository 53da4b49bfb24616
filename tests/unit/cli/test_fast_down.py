"""`dockyard down` runs without typer (compose.cli.fastdown): it reads a command line exactly as the typer app does,
prints and exits as the typer command does, and hands every other command line to the typer app."""

from __future__ import annotations

import sys

import pytest

from compose import cli
from compose.cli import fastdown, session

SAME_AS_TYPER = [
    ["down"],
    ["-p", "shop", "down"],
    ["-pshop", "down", "-v"],
    ["--project-name=shop", "--ansi", "never", "down", "--volumes", "--remove-orphans"],
    ["-f", "a.yaml", "--file=b.yaml", "--env-file", ".env", "--profile", "x", "--dry-run", "down", "--all"],
    ["--project-directory", "sub", "--parallel", "3", "down", "web", "--rmi", "local", "db"],
    ["down", "--rmi=all", "-t", "5", "web"],
    ["down", "-t0", "--timeout=2.5", "-v", "--volumes"],
]

LEFT_TO_TYPER = [
    ["down", "--help"], ["down", "-h"], ["-v", "down"], ["--version", "down"], ["down", "--", "web"],
    ["down", "-"], ["down", "--rmi", "some"], ["down", "--rmi"], ["down", "-t", "soon"], ["down", "-t", "1e3"],
    ["down", "-t", "-1"], ["down", "-x"], ["down", "-vt", "3"], ["down", "--volumes=yes"], ["--parallel", "many", "down"],
    ["ps", "down"], ["up", "down"], ["-p", "down"],
]


def typer_options(dy, monkeypatch, args: list[str]):
    seen = []
    monkeypatch.setattr(session, "take_down", lambda gopts, opts, all_profiles: seen.append((gopts, opts, all_profiles)))
    result = dy(*args)
    assert result.exit_code == 0, result.output
    return seen[0]


@pytest.mark.parametrize("args", SAME_AS_TYPER, ids=" ".join)
def test_fast_parser_reads_a_down_command_line_as_typer_does(dy, monkeypatch, args):
    monkeypatch.delenv("COMPOSE_PARALLEL_LIMIT", raising=False)
    assert fastdown.parse(args, environ={}) == typer_options(dy, monkeypatch, args)


def test_parallel_limit_comes_from_the_environment_unless_given(dy, monkeypatch):
    monkeypatch.setenv("COMPOSE_PARALLEL_LIMIT", "4")
    for args in (["down"], ["--parallel", "2", "down"]):
        assert fastdown.parse(args, environ={"COMPOSE_PARALLEL_LIMIT": "4"}) == typer_options(dy, monkeypatch, args)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(args):
    assert fastdown.parse(args, environ={}) is None


def test_shell_completion_is_left_to_click():
    assert fastdown.parse(["down"], environ={"_DOCKYARD_COMPLETE": "bash_source"}) is None


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``main()`` on ``args``, failing if it falls back to the typer app."""
    monkeypatch.setattr(sys, "argv", ["dockyard", *args])
    monkeypatch.setattr(cli, "_load_app", lambda *_: pytest.fail("the typer app was loaded"))
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_main_takes_a_project_down_as_the_typer_command_does(dy, monkeypatch, capsys):
    dy("up", "-d")
    dy.rt.calls.clear()
    typer_down = dy("down")
    typer_calls = list(dy.rt.calls)
    dy("up", "-d")
    dy.rt.calls.clear()
    assert run_main(monkeypatch, capsys, "down") == (0, typer_down.stdout, typer_down.stderr)
    assert dy.rt.calls == typer_calls and "stop demo-web-1" in typer_calls
    assert dy.rt.names() == [] and dy.rt.nets == {}


@pytest.mark.parametrize("args", [["down"], ["--dry-run", "down", "-v"], ["-p", "nothing", "down"]], ids=" ".join)
def test_main_prints_what_the_typer_command_prints(dy, monkeypatch, capsys, args):
    expected = dy(*args)
    assert run_main(monkeypatch, capsys, *args) == (0, expected.stdout, expected.stderr)


def test_main_reports_a_down_error_as_the_typer_command_does(dy, monkeypatch, capsys):
    (dy.dir / "compose.yaml").unlink()
    expected = dy("down")
    code, out, err = run_main(monkeypatch, capsys, "down")
    assert (code, out, err) == (expected.exit_code, "", expected.stderr) and code == 1
    assert "compose.yaml" in err
