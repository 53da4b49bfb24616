"""No daemon to lose: a killed CLI or a killed monitor leaves containers running and the next command converges."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
from pathlib import Path

from tests.e2e.conftest import DOCKYARD_BIN
from tests.support.e2e import by_service, ps_json
from tests.support.eventually import eventually

STACK = """\
name: {name}
services:
  cache:
    image: dockyard.local/redis:7
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 1s
      retries: 30
  worker:
    image: dockyard.local/debian:bookworm
    init: true
    command: ["bash", "-c", "echo worker: up; exec sleep infinity"]
    restart: always
    depends_on:
      cache: {{condition: service_healthy}}
  web:
    image: dockyard.local/python:3
    init: true
    command: ["python3", "-m", "http.server", "8000"]
    depends_on:
      cache: {{condition: service_healthy}}
"""


def _project(tmp_path: Path, name: str) -> Path:
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(STACK.format(name=name)))
    return tmp_path


def _rows(dockyard, cwd: Path) -> list[dict]:
    return ps_json(dockyard("ps", "-a", "--format", "json", cwd=cwd).stdout)


def _monitor_pids(run: Path, project: str) -> list[int]:
    marker = f"{run}/monitors/{project}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"runtime.supervise.monitor" in cmdline and marker in cmdline:
                pids.append(int(entry.name))
    return pids


def _main_pid(dockyard, cwd: Path, service: str) -> int:
    lines = dockyard("top", service, cwd=cwd).stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["UID", "PID"])
    return int(lines[header + 1].split()[1])


def test_up_killed_midway_then_up_again_converges(dockyard, e2e_env, tmp_path):
    """kill -9 of `dockyard up` halfway leaves a state the next `up` completes: one healthy container per
    service, none duplicated."""
    cwd = _project(tmp_path, "halfway")
    cli = subprocess.Popen([str(DOCKYARD_BIN), "up", "-d", "--wait"], cwd=cwd, env=e2e_env.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        eventually(lambda: _rows(dockyard, cwd), timeout=60)  # the first container exists: up is under way
        assert cli.poll() is None, "up finished before it could be killed halfway"
        cli.kill()
        cli.wait(timeout=10)

        dockyard("up", "-d", "--wait", cwd=cwd)
        rows = _rows(dockyard, cwd)
        assert sorted(r["Name"] for r in rows) == ["halfway-cache-1", "halfway-web-1", "halfway-worker-1"]
        assert {r["Service"]: r["State"] for r in rows} == dict.fromkeys(("cache", "worker", "web"), "running")
        assert by_service(rows)["cache"]["Health"] == "healthy"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        dockyard("down", "-v", cwd=cwd, check=False)


def test_killed_monitor_leaves_containers_running_and_is_replaced(dockyard, e2e_env, tmp_path):
    """kill -9 of the monitor does not touch its containers; the next command re-adopts them, and restart
    policies work again afterwards."""
    cwd = _project(tmp_path, "orphans")
    try:
        dockyard("up", "-d", "--wait", cwd=cwd)
        worker_pid = _main_pid(dockyard, cwd, "worker")
        monitors = _monitor_pids(e2e_env.run, "orphans")
        assert monitors, "no monitor process found for the project"
        for pid in monitors:
            os.kill(pid, signal.SIGKILL)
        eventually(lambda: not _monitor_pids(e2e_env.run, "orphans") or
                   set(_monitor_pids(e2e_env.run, "orphans")).isdisjoint(monitors), timeout=10)
        os.kill(worker_pid, 0)  # still alive: raises ProcessLookupError otherwise

        rows = by_service(_rows(dockyard, cwd))
        assert {s: r["State"] for s, r in rows.items()} == dict.fromkeys(("cache", "worker", "web"), "running")
        assert _main_pid(dockyard, cwd, "worker") == worker_pid, "the container was restarted, not re-adopted"
        eventually(lambda: _monitor_pids(e2e_env.run, "orphans"), timeout=10)

        os.kill(worker_pid, signal.SIGKILL)  # the new monitor applies restart: always
        eventually(lambda: by_service(_rows(dockyard, cwd))["worker"]["RestartCount"] == 1
                   and by_service(_rows(dockyard, cwd))["worker"]["State"] == "running", timeout=30)
        assert dockyard("logs", "--no-color", "worker", cwd=cwd).stdout.count("worker: up") == 2
        eventually(lambda: by_service(_rows(dockyard, cwd))["cache"]["Health"] == "healthy", timeout=10)
    finally:
        dockyard("down", "-v", cwd=cwd, check=False)


SIGNALS_ITS_GROUP = """\
name: pgroup
services:
  shutter:
    image: dockyard.local/debian:bookworm
    # What apache, and many shell scripts, do on shutdown: signal their whole process group; then fail once.
    command: ["bash", "-c", "trap '' TERM; echo shutter: up; sleep 1; kill -TERM 0; sleep 1; exit 3"]
    restart: on-failure:1
"""


def test_container_signalling_its_process_group_spares_the_monitor(dockyard, e2e_env, tmp_path):
    """A container that signals its own process group (kill 0) does not reach its monitor: the monitor is still
    there to apply the restart policy when the container then fails."""
    (tmp_path / "compose.yaml").write_text(SIGNALS_ITS_GROUP)
    try:
        dockyard("up", "-d", cwd=tmp_path)

        def restarted_once_then_exited():
            row = by_service(_rows(dockyard, tmp_path))["shutter"]
            assert (row["State"], row["ExitCode"], row["RestartCount"]) == ("exited", 3, 1)
            return True
        eventually(restarted_once_then_exited, timeout=15)
    finally:
        dockyard("down", "-v", "-t", "1", cwd=tmp_path, check=False)
