"""`dockyard config` through the real CLI app, in a temporary project directory with a clean environment."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner


@dataclass
class Run:
    code: int
    out: str
    err: str


class Project:
    """A directory to write compose files into and run `dockyard ARGS...` in."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def dockyard(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Run:
        from compose.cli import app

        result = CliRunner().invoke(app, list(args), input=stdin, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def expected(self, text: str) -> str:
        """Hand-written docker compose output, with ``$DIR`` standing for the project directory."""
        return textwrap.dedent(text).lstrip("\n").replace("$DIR", str(self.root))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "demo"
    root.mkdir()
    monkeypatch.chdir(root)
    for key in [k for k in os.environ if k.startswith("COMPOSE_") or k in ("PORT", "TAG")]:
        monkeypatch.delenv(key)
    return Project(root)
