"""`dockyard config` and `up` report valid-but-unsupported attributes as warnings, one line each with its path,
and still keep them in the configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compose import service
from compose.options import GlobalOptions, UpOptions
from tests.support.fake_runtime import FakeRuntime

COMPOSE = """\
services:
  web:
    image: nginx:1
    oom_score_adj: -500
    mem_swappiness: 10
    volumes: ["./data:/data:z"]
"""
EXPECTED = [
    "warning: services.web.mem_swappiness: not supported by dockyard yet, ignored",
    "warning: services.web.oom_score_adj: not supported by dockyard yet, ignored",
    "warning: services.web.volumes[0].bind.selinux: not supported by dockyard yet, ignored (SELinux relabel :z)",
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("COMPOSE_")]:
        monkeypatch.delenv(key)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    return tmp_path


def test_config_prints_one_warning_line_per_unsupported_attribute_and_keeps_it(workdir):
    from compose.cli import app

    result = CliRunner().invoke(app, ["config"], env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(line for line in result.stderr.splitlines() if line.startswith("warning:")) == EXPECTED
    assert "oom_score_adj: -500" in result.stdout and "mem_swappiness: 10" in result.stdout


def test_up_returns_the_same_warnings(workdir):
    loaded = service.load(GlobalOptions(project_directory=workdir))
    result = service.up(FakeRuntime(), loaded, UpOptions(), dry_run=True)
    assert sorted(f"warning: {w}" for w in result.warnings) == EXPECTED


def test_a_fully_supported_project_warns_about_nothing(workdir):
    (workdir / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1\n    expose: ['80']\n")
    loaded = service.load(GlobalOptions(project_directory=workdir))
    assert service.up(FakeRuntime(), loaded, UpOptions(), dry_run=True).warnings == ()
