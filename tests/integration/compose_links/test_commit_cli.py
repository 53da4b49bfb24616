"""Through ``dockyard up`` and ``dockyard commit``: a service container's changes become an image that
``container run`` starts, with the file the service wrote and its command; nothing is left of the commit."""

from __future__ import annotations

import json

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

STACK = """
services:
  app:
    image: dybox:latest
    command: ["sh", "-c", "echo saved > /saved.txt; touch /tmp/ready; exec sleep 300"]
"""


def test_commit_of_a_service_container_runs_as_an_image(project):
    (project / "compose.yaml").write_text(STACK)
    assert dockyard("up", "-d", cwd=project).returncode == 0
    eventually(lambda: dockyard("exec", "app", "test", "-f", "/tmp/ready", cwd=project).returncode == 0, timeout=30)
    done = dockyard("commit", "-m", "from a test", "-a", "Jane", "app", "dy-test/app-snap:1", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("sha256:")
    try:
        run = dockyard("container", "run", "--rm", "--network", "none", "dy-test/app-snap:1", "cat", "/saved.txt",
                       cwd=project)
        assert (run.returncode, run.stdout) == (0, "saved\n"), run.stderr
        inspect = dockyard("image", "inspect", "dy-test/app-snap:1", cwd=project)
        assert inspect.returncode == 0, inspect.stderr
        doc = json.loads(inspect.stdout)[0]
        assert (doc["Comment"], doc["Author"], doc["Id"]) == ("from a test", "Jane", done.stdout.strip())
        assert doc["Config"]["Cmd"] == ["sh", "-c", "echo saved > /saved.txt; touch /tmp/ready; exec sleep 300"]
        assert json.loads(dockyard("ps", "--format", "json", "app", cwd=project).stdout)[0]["State"] == "running"
    finally:
        dockyard("image", "rm", "dy-test/app-snap:1", cwd=project)
