"""`dockyard container run` runs without typer (compose.cli.fastrun): it reads a command line exactly as the typer
app does, and hands every other command line to the typer app."""

from __future__ import annotations

import sys

import pytest

from compose import cli
from compose.cli import fastrun, session

SAME_AS_TYPER = [
    ["container", "run", "busybox"],
    ["container", "run", "--rm", "busybox", "true"],
    ["-p", "x", "--ansi", "never", "container", "run", "-d", "--name", "one", "busybox", "sleep", "9"],
    ["container", "run", "-it", "--rm", "busybox", "sh", "-c", "echo -- hi"],
    ["container", "run", "-e", "A=1", "--env=B=2", "-eC=3", "-p", "8080:80", "--publish", "127.0.0.1::53/udp",
     "-v", "/tmp:/data:ro", "--volume=cache:/cache", "-l", "k=v", "--label", "x", "busybox"],
    ["container", "run", "--entrypoint", "/bin/sh", "-u", "1000", "-w", "/srv", "--network", "none",
     "--restart=on-failure:3", "--hostname", "box", "busybox", "-c", "true"],
    ["container", "run", "--cap-add", "NET_ADMIN", "--cap-add=SYS_TIME", "--cap-drop", "CHOWN", "--privileged",
     "--read-only", "-m", "512m", "--cpus", "1.5", "--pids-limit", "64", "--init", "busybox"],
    ["container", "run", "--cpus=2", "--name", "a", "--name", "b", "-d", "busybox", "--rm", "-d"],
]

LEFT_TO_TYPER = [
    ["container", "run"], ["container", "run", "--help"], ["container", "run", "-h", "box", "busybox"],
    ["container", "run", "--", "busybox"], ["container", "run", "-"], ["container", "run", "--rm=yes", "busybox"],
    ["container", "run", "--cpus", "lots", "busybox"], ["container", "run", "--cpus", "1e3", "busybox"],
    ["container", "run", "--pids-limit", "many", "busybox"], ["container", "run", "-x", "busybox"],
    ["container", "run", "--name"], ["container", "ls"], ["container"], ["run", "web"], ["--version", "container"],
    ["--parallel", "many", "container", "run", "busybox"], ["container", "run", "-de", "A=1", "busybox"],
]


def typer_options(dy, monkeypatch, args: list[str]):
    seen = []
    monkeypatch.setattr(session, "run_container", lambda gopts, opts: seen.append((gopts, opts)) and 0)
    result = dy(*args)
    assert result.exit_code == 0, result.output
    return seen[0]


@pytest.mark.parametrize("args", SAME_AS_TYPER, ids=" ".join)
def test_fast_parser_reads_a_container_run_command_line_as_typer_does(dy, monkeypatch, args):
    monkeypatch.delenv("COMPOSE_PARALLEL_LIMIT", raising=False)
    assert fastrun.parse(args, environ={}) == typer_options(dy, monkeypatch, args)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_is_left_to_typer(args):
    assert fastrun.parse(args, environ={}) is None


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``main()`` on ``args``, failing if it falls back to the typer app."""
    monkeypatch.setattr(sys, "argv", ["dockyard", *args])
    monkeypatch.setattr(cli, "_load_app", lambda: pytest.fail("the typer app was loaded"))
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_main_runs_a_container_as_the_typer_command_does(dy, monkeypatch, capsys):
    dy.rt.images.add("busybox")
    dy.rt.behave("one", exit_code=3)
    dy.rt.behave("two", exit_code=3)
    typer_run = dy("container", "run", "--rm", "--name", "one", "busybox", "false")
    code, out, err = run_main(monkeypatch, capsys, "container", "run", "--rm", "--name", "two", "busybox", "false")
    assert (code, out, err) == (typer_run.exit_code, typer_run.stdout, typer_run.stderr) and code == 3
    assert "start two" in dy.rt.calls and dy.rt.names() == []


def test_main_prints_the_id_of_a_detached_container(dy, monkeypatch, capsys):
    dy.rt.images.add("busybox")
    code, out, err = run_main(monkeypatch, capsys, "container", "run", "-d", "--name", "one", "busybox", "sleep", "9")
    assert (code, err) == (0, "") and out.strip() == dy.rt.inspect_container("one")["Id"]


def test_main_reports_a_run_error_as_the_typer_command_does(dy, monkeypatch, capsys):
    dy.rt.images.add("busybox")
    expected = dy("container", "run", "-d", "--restart", "sometimes", "busybox")
    code, out, err = run_main(monkeypatch, capsys, "container", "run", "-d", "--restart", "sometimes", "busybox")
    assert (code, out, err) == (expected.exit_code, "", expected.stderr) and code == 1
    assert "invalid restart policy 'sometimes'" in err
