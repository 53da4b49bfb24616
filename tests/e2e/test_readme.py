"""Every command in README.md works as written: the Quick start's two commands, and each ```sh block in order."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.e2e.conftest import free_port
from tests.support.e2e import http_get
from tests.support.paths import REPO

README = REPO / "README.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)
QUICKSTART_FILE = "examples/quickstart/compose.yaml"
RESTARTS_FILE = "examples/restarts/compose.yaml"


def sh_blocks() -> list[list[str]]:
    """The commands of every ```sh block (one per non-empty, non-comment line), in README order."""
    blocks = SH_BLOCK.findall(README.read_text())
    return [[line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
            for block in blocks]


def _shell(command: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-eo", "pipefail", "-c", command], check=False, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _env(e2e_env, port: int) -> dict[str, str]:
    return {**e2e_env.env, "QUICKSTART_PORT": str(port)}


def test_quick_start_is_exactly_the_two_commands():
    """The README starts with a Quick start whose one sh block holds the set-up command, then the test command."""
    text = README.read_text()
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert sections[0] == "Quick start"
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert len(SH_BLOCK.findall(quick)) == 1
    assert sh_blocks()[0] == ["./scripts/quickstart", "./scripts/test"]


def test_scripts_test_runs_pytest():
    """`./scripts/test` (not run here: it would run this suite again) is an executable script that runs pytest."""
    script = REPO / "scripts" / "test"
    assert script.is_file() and os.access(script, os.X_OK)
    body = script.read_text()
    assert body.startswith("#!") and re.search(r"-m pytest", body)


def test_scripts_quickstart_brings_the_stack_up_and_says_where(e2e_env, dockyard):
    """`./scripts/quickstart` brings the quickstart up, prints the URL where it answers and how to tear it down;
    run again with the stack up, it still succeeds and the stack keeps serving."""
    port = free_port()
    env = _env(e2e_env, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(2):
            result = _shell("./scripts/quickstart", env)
            assert result.returncode == 0, result.stdout + result.stderr
            assert url in result.stdout
            assert "down -v" in result.stdout
            assert "Hello from dockyard!" in http_get(url)
    finally:
        dockyard("-f", QUICKSTART_FILE, "down", "-v", cwd=REPO, check=False)


def test_every_readme_command_runs(e2e_env, dockyard):
    """Each command of every other sh block exits 0, run in order from the repository root (on a free port
    instead of 8080 and with this module's private state dirs)."""
    port = free_port()
    env = _env(e2e_env, port)
    ran = []
    try:
        for block in sh_blocks()[1:]:
            for command in block:
                command = command.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
                result = _shell(command, env)
                assert result.returncode == 0, f"README command failed: {command}\n{result.stdout}{result.stderr}"
                ran.append((command, result.stdout))
        outputs = dict(ran)
        assert "Hello from dockyard!" in outputs[f"curl -s http://127.0.0.1:{port}/"]
        assert "hello from a container" in outputs[
            ".venv/bin/dockyard container run --rm dockyard.local/debian:bookworm echo hello from a container"]
        assert len(ran) >= 30
    finally:
        for file in (QUICKSTART_FILE, RESTARTS_FILE):
            dockyard("-f", file, "down", "-v", cwd=REPO, check=False)
        dockyard("container", "rm", "-f", "dy-readme-demo", check=False)
        dockyard("network", "rm", "bridge", check=False)  # dockyard's default network stays, as Docker's does


@pytest.mark.parametrize("example", ["quickstart", "restarts", "dockerhub-quickstart"])
def test_examples_are_valid(dockyard, example):
    """Each example's compose file validates (`config -q`); the Docker Hub one is never run here (no internet)."""
    dockyard("-f", f"examples/{example}/compose.yaml", "config", "-q", cwd=REPO)
    assert (REPO / "examples" / example / "README.md").is_file()
