"""`dockyard build` builds a service's Dockerfile on dockyard's own runtime, and `up` runs the result; a failing
step is one error with the step's output and exit code, and leaves no image behind (root, real kernel)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.build import BASE, write_context
from tests.support.cli_run import dockyard as run_cli
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

COMPOSE = """\
name: dybuild
services:
  app:
    build: ./app
    network_mode: none
"""


def dockyard(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def project(tmp_path: Path, dockyard_dirs) -> Path:
    directory = tmp_path / "proj"
    directory.mkdir()
    (directory / "compose.yaml").write_text(COMPOSE)
    yield directory
    dockyard(directory, "down", "-t", "1")


def test_build_then_up_runs_the_built_image(project: Path):
    write_context(project / "app", BASE + 'RUN echo built-by-dockyard > /greeting\n'
                                          'CMD ["sh", "-c", "cat /greeting; sleep 60"]\n')
    built = dockyard(project, "build")
    assert built.returncode == 0, built.stderr
    assert "RUN echo built-by-dockyard > /greeting" in built.stderr
    assert "Image dybuild-app  Built" in built.stderr

    up = dockyard(project, "up", "-d")
    assert up.returncode == 0, up.stderr
    assert "Building" not in up.stderr  # the image is there: up does not build again

    eventually(lambda: "app-1  | built-by-dockyard" in dockyard(project, "logs").stdout)
    ps = dockyard(project, "ps", "--format", "json")
    assert '"Image":"dybuild-app"' in ps.stdout


def test_up_builds_a_missing_image_itself(project: Path):
    write_context(project / "app", BASE + 'CMD ["sh", "-c", "echo fresh; sleep 60"]\n')
    up = dockyard(project, "up", "-d")
    assert up.returncode == 0, up.stderr
    assert "Image dybuild-app  Built" in up.stderr
    eventually(lambda: "app-1  | fresh" in dockyard(project, "logs").stdout)


def test_a_failing_step_shows_its_output_and_exit_code_and_stores_no_image(project: Path):
    write_context(project / "app", BASE + "RUN echo about to fail; exit 3\n")
    built = dockyard(project, "build")
    assert built.returncode == 1
    assert "[app 2/2] | about to fail" in built.stderr
    assert "Dockerfile:3: RUN echo about to fail; exit 3: exit code 3" in built.stderr
    assert "dybuild-app" not in dockyard(project, "image", "ls").stdout

