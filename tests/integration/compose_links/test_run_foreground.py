"""``dockyard run`` in the foreground is the container's terminal side: stdin goes in (``-i`` is the default),
stdout and stderr come out, its exit code is ours, and ``--rm`` leaves nothing; ``-d`` leaves it running."""

from __future__ import annotations

import json

import pytest

from tests.support.cli_run import dockyard

pytestmark = pytest.mark.root

STACK = """
services:
  app:
    image: dybox:latest
    command: ["sleep", "300"]
"""


def test_a_foreground_run_reads_our_stdin_and_returns_its_code(project):
    (project / "compose.yaml").write_text(STACK)
    done = dockyard("run", "--rm", "-T", "app", "sh", "-c", "cat; echo to-err >&2; exit 3", cwd=project,
                    input="line one\nline two\n")
    assert (done.returncode, done.stdout) == (3, "line one\nline two\n"), done.stderr
    assert "to-err" in done.stderr
    gone = dockyard("container", "inspect", "dylinks-app-run-1", cwd=project)
    assert gone.returncode == 1 and "no such container" in gone.stderr  # --rm


def test_no_interactive_keeps_stdin_away_and_detach_leaves_it_running(project):
    (project / "compose.yaml").write_text(STACK)
    quiet = dockyard("run", "--rm", "-T", "--no-interactive", "app", "cat", cwd=project, input="not read\n")
    assert (quiet.returncode, quiet.stdout) == (0, ""), quiet.stderr
    started = dockyard("run", "-d", "app", cwd=project)
    assert started.returncode == 0 and started.stdout.strip() == "dylinks-app-run-1", started.stderr
    (doc,) = json.loads(dockyard("container", "inspect", "dylinks-app-run-1", cwd=project).stdout)
    assert doc["State"]["Status"] == "running"
    assert dockyard("container", "rm", "-f", "dylinks-app-run-1", cwd=project).returncode == 0
