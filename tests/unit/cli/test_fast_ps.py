"""`dockyard ps` runs without typer (compose.cli.fastps): it reads a command line exactly as the typer app does, and
hands every other command line to the typer app."""

from __future__ import annotations

import sys

import pytest

from compose import cli
from compose.cli import fastps, session

SAME_AS_TYPER = [
    ["ps"],
    ["-p", "shop", "ps"],
    ["-pshop", "ps", "-a"],
    ["--project-name=shop", "--ansi", "never", "ps", "-aq"],
    ["-f", "a.yaml", "--file=b.yaml", "--env-file", ".env", "--profile", "x", "--dry-run", "ps", "--services"],
    ["--project-directory", "sub", "--parallel", "3", "ps", "web", "--format", "jsonl", "db"],
    ["ps", "--status", "exited", "--status=running", "--filter", "status=dead", "-q", "web"],
    ["-p", "--all", "ps", "--format=json", "-qa"],
]

LEFT_TO_TYPER = [
    [], ["--help"], ["ps", "--help"], ["-h"], ["-v"], ["--version", "ps"], ["config"], ["ps", "--", "web"],
    ["ps", "--format", "xml"], ["ps", "--all=yes"], ["ps", "-x"], ["ps", "-ap"], ["-a", "ps"], ["ps", "-p", "x"],
    ["--parallel", "many", "ps"], ["-p"], ["ps", "--status"], ["--projectname", "x", "ps"], ["ps", "-"],
]


def typer_options(dy, monkeypatch, args: list[str]):
    seen = []
    monkeypatch.setattr(session, "show_ps", lambda gopts, opts: seen.append((gopts, opts)))
    result = dy(*args)
    assert result.exit_code == 0, result.output
    return seen[0]


@pytest.mark.parametrize("args", SAME_AS_TYPER, ids=" ".join)
def test_fast_parser_reads_a_ps_command_line_as_typer_does(dy, monkeypatch, args):
    monkeypatch.delenv("COMPOSE_PARALLEL_LIMIT", raising=False)
    assert fastps.parse(args, environ={}) == typer_options(dy, monkeypatch, args)


def test_parallel_limit_comes_from_the_environment_unless_given(dy, monkeypatch):
    monkeypatch.setenv("COMPOSE_PARALLEL_LIMIT", "4")
    for args in (["ps"], ["--parallel", "2", "ps"]):
        assert fastps.parse(args, environ={"COMPOSE_PARALLEL_LIMIT": "4"}) == typer_options(dy, monkeypatch, args)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_is_left_to_typer(args):
    assert fastps.parse(args, environ={}) is None


def test_shell_completion_is_left_to_click():
    assert fastps.parse(["ps"], environ={"_DOCKYARD_COMPLETE": "bash_source"}) is None


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["dockyard", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_main_prints_what_the_typer_command_prints(dy, monkeypatch, capsys):
    dy("up", "-d")
    dy.rt.set_state("demo-db-1", "exited", 2)
    for args in (["ps"], ["ps", "-a"], ["ps", "--format", "json", "-a"], ["-p", "demo", "ps", "--services", "-a"]):
        typer_out = dy(*args).stdout
        assert run_main(monkeypatch, capsys, *args) == (0, typer_out, "")


def test_main_reports_a_ps_error_as_the_typer_command_does(dy, monkeypatch, capsys):
    dy("up", "-d")
    expected = dy("ps", "nosuch")
    code, out, err = run_main(monkeypatch, capsys, "ps", "nosuch")
    assert (code, out, err) == (expected.exit_code, "", expected.stderr)
    assert code == 1 and "no such service: nosuch" in err


def test_main_hands_a_bad_flag_to_typer(dy, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "ps", "--format", "xml")
    assert code == 2 and "Invalid value for --format" in err


def test_project_name_from_flag_environment_or_directory(dy, monkeypatch):
    from compose.options import GlobalOptions

    assert session.project_name(GlobalOptions(project_name="shop")) == "shop"
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "fromenv")
    assert session.project_name(GlobalOptions()) == "fromenv"
    monkeypatch.delenv("COMPOSE_PROJECT_NAME")
    assert session.project_name(GlobalOptions()) == "demo"  # the file's name:
    dy.write("services:\n  web:\n    image: nginx\n")
    assert session.project_name(GlobalOptions()) == "proj"  # the directory
