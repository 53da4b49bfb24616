"""Through ``dockyard up``: a secret from an environment variable (set in the project's .env) and a config from
``content`` (interpolated) are files in the container, read-only, with the mode and owner the service asks for;
the container's record keeps their targets, not the secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

STACK = """
services:
  app:
    image: dybox:latest
    secrets: [token]
    configs:
      - source: motd
        target: /etc/motd.txt
        uid: "1"
        gid: "2"
        mode: 0o440
    command:
      - sh
      - -c
      - >-
        cat /run/secrets/token; echo; cat /etc/motd.txt; echo;
        stat -c '%a %u %g' /run/secrets/token /etc/motd.txt;
        (echo changed > /etc/motd.txt) 2>/dev/null || echo read-only
secrets:
  token:
    environment: APP_TOKEN
configs:
  motd:
    content: "hello ${WHO}"
"""


def test_environment_secret_and_content_config_are_files_in_the_container(project, dockyard_dirs):
    (project / "compose.yaml").write_text(STACK)
    (project / ".env").write_text("APP_TOKEN=s3cret-value\nWHO=world\n")
    up = dockyard("up", "-d", cwd=project)
    assert up.returncode == 0, up.stderr
    assert "secrets" not in up.stderr and "configs" not in up.stderr  # nothing reported as not mounted

    def app_done() -> str:
        ps = dockyard("ps", "-a", "--format", "json", "app", cwd=project).stdout
        assert '"exited"' in ps, ps
        return dockyard("logs", "--no-log-prefix", "app", cwd=project).stdout

    logs = eventually(app_done, timeout=40)
    assert logs.splitlines() == ["s3cret-value", "hello world", "444 0 0", "440 1 2", "read-only"]
    root, _ = dockyard_dirs
    records = [p.read_text() for p in Path(root, "containers").glob("*/state.json")]
    assert records and not any("s3cret-value" in text for text in records)


def test_an_unset_variable_for_a_secret_fails_up_before_anything_is_made(project, dockyard_dirs):
    (project / "compose.yaml").write_text(STACK)
    env = os.environ.get("APP_TOKEN")
    assert env is None
    up = dockyard("up", "-d", cwd=project)
    assert up.returncode != 0
    assert "environment variable APP_TOKEN, which is not set" in up.stderr
    assert dockyard("ps", "-a", "-q", cwd=project).stdout.strip() == ""
