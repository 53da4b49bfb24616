"""Through ``dockyard watch``: it brings the service up, then files changed, added and removed on the host reach
the running container (ignored ones do not), and Ctrl-C ends it with status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually
from tests.support.paths import REPO

pytestmark = pytest.mark.root

STACK = """
services:
  app:
    image: dybox:latest
    command: ["sleep", "300"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /app
          ignore: [scratch/]
          initial_sync: true
"""


def cat(project, *paths: str) -> str:
    return dockyard("exec", "app", "cat", *paths, cwd=project).stdout


def test_watch_syncs_host_changes_into_the_running_container(project):
    src = project / "src"
    src.mkdir()
    (src / "a.txt").write_text("one\n")
    (project / "compose.yaml").write_text(STACK)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    watch = subprocess.Popen([sys.executable, "-m", "compose.cli", "watch"], cwd=project, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        eventually(lambda: cat(project, "/app/a.txt") == "one\n", timeout=60)  # up, then the initial sync
        (src / "a.txt").write_text("second\n")
        (src / "new.txt").write_text("new\n")
        (src / "scratch").mkdir()
        (src / "scratch" / "x").write_text("x\n")
        eventually(lambda: cat(project, "/app/a.txt", "/app/new.txt") == "second\nnew\n", timeout=30)
        (src / "new.txt").unlink()
        eventually(lambda: dockyard("exec", "app", "test", "-e", "/app/new.txt", cwd=project).returncode == 1,
                   timeout=30)
        assert dockyard("exec", "app", "test", "-e", "/app/scratch", cwd=project).returncode == 1
    finally:
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    assert "Watch enabled for app" in err and "Syncing service 'app' after" in err
