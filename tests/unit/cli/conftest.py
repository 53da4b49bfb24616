"""CLI tests run the typer app against the in-memory fake runtime in a temporary project directory."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from compose import cli
from tests.support.fake_runtime import FakeRuntime

STACK = """
name: demo
services:
  web:
    image: nginx
    command: nginx -g 'daemon off;'
    ports: ["8080:80"]
    depends_on: [db]
  db:
    image: postgres
"""


class Dockyard:
    """``dy("up", "-d")`` runs the CLI in the project dir and returns click's Result (stdout/stderr apart)."""

    def __init__(self, rt: FakeRuntime, directory) -> None:
        self.rt = rt
        self.dir = directory
        self.runner = CliRunner()

    def write(self, text: str, name: str = "compose.yaml") -> None:
        (self.dir / name).write_text(textwrap.dedent(text))

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(cli.app, list(args), input=input)


@pytest.fixture
def dy(tmp_path, monkeypatch, dockyard_dirs):
    rt = FakeRuntime()
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    monkeypatch.delenv("COMPOSE_FILE", raising=False)
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    cli.set_runtime_factory(lambda: rt)
    tool = Dockyard(rt, project)
    tool.write(STACK)
    yield tool
    cli.set_runtime_factory(None)
