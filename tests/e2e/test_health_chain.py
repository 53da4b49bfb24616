"""Healthcheck chains: service_healthy and service_completed_successfully gate start order; ps --format json
reports health, exit codes, restart counts and published ports."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.e2e.conftest import CLIError, free_port
from tests.support.e2e import by_service, http_get, ps_json

STACK = """\
name: chain
services:
  db:
    image: dockyard.local/debian:bookworm
    init: true  # sleep as PID 1 would ignore SIGTERM
    # Becomes healthy only after two seconds: the healthcheck, not the start, must gate its dependents.
    command: ["bash", "-c", "sleep 2; touch /tmp/ready; echo \\"db: ready at $$(date +%s.%N)\\"; exec sleep infinity"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
  migrate:
    image: dockyard.local/debian:bookworm
    command: ["bash", "-c", "echo \\"migrate: start at $$(date +%s.%N)\\"; sleep 1; echo \\"migrate: done at $$(date +%s.%N)\\""]
    depends_on:
      db: {condition: service_healthy}
  app:
    image: dockyard.local/python:3
    init: true
    command: ["bash", "-c", "echo \\"app: start at $$(date +%s.%N)\\"; exec python3 -m http.server 8000"]
    ports: ["127.0.0.1:${CHAIN_PORT}:8000"]
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/')"]
      interval: 1s
      retries: 30
"""

BROKEN = """\
name: broken
services:
  migrate:
    image: dockyard.local/debian:bookworm
    command: ["bash", "-c", "echo 'migrate: failing'; exit 4"]
  app:
    image: dockyard.local/debian:bookworm
    command: ["sleep", "infinity"]
    init: true
    depends_on:
      migrate: {condition: service_completed_successfully}
"""


def _stamp(logs: str, what: str) -> float:
    match = re.search(rf"{what} at (\d+\.\d+)", logs)
    assert match, f"no '{what}' line in the logs:\n{logs}"
    return float(match.group(1))


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(text))
    return tmp_path


def test_dependents_start_only_after_health_and_completion(dockyard, tmp_path):
    """app starts only after db is healthy and migrate has exited 0; ps --format json shows Health, ExitCode,
    RestartCount and Publishers as docker compose does."""
    project = _write(tmp_path, STACK)
    port = free_port()
    env = {"CHAIN_PORT": str(port)}
    try:
        dockyard("up", "-d", "--wait", cwd=project, extra_env=env)
        logs = dockyard("logs", "--no-color", cwd=project).stdout
        assert _stamp(logs, "db: ready") < _stamp(logs, "migrate: start")
        assert _stamp(logs, "migrate: done") < _stamp(logs, "app: start")
        assert "Directory listing" in http_get(f"http://127.0.0.1:{port}/")

        rows = by_service(ps_json(dockyard("ps", "-a", "--format", "json", cwd=project).stdout))
        assert {s: (r["State"], r["Health"], r["ExitCode"], r["RestartCount"]) for s, r in rows.items()} == {
            "db": ("running", "healthy", 0, 0),
            "migrate": ("exited", "", 0, 0),
            "app": ("running", "healthy", 0, 0),
        }
        assert rows["app"]["Publishers"] == [
            {"URL": "127.0.0.1", "TargetPort": 8000, "PublishedPort": port, "Protocol": "tcp"}]
        assert rows["db"]["Publishers"] == []
        assert rows["app"]["Name"] == "chain-app-1" and rows["app"]["Project"] == "chain"
    finally:
        dockyard("down", "-v", cwd=project, extra_env=env, check=False)


def test_failed_one_shot_stops_up_and_its_dependent(dockyard, tmp_path):
    """When a service_completed_successfully dependency exits non-zero, `up` fails naming it and the dependent
    is never started."""
    project = _write(tmp_path, BROKEN)
    try:
        with pytest.raises(CLIError):
            dockyard("up", "-d", cwd=project)
        result = dockyard("up", "-d", cwd=project, check=False)
        assert result.returncode != 0
        assert "migrate" in result.stderr + result.stdout
        rows = by_service(ps_json(dockyard("ps", "-a", "--format", "json", cwd=project).stdout))
        assert (rows["migrate"]["State"], rows["migrate"]["ExitCode"]) == ("exited", 4)
        assert rows.get("app", {}).get("State") in (None, "created")
    finally:
        dockyard("down", "-v", cwd=project, check=False)
