"""`dockyard container cp` copies between the host and a container, running or stopped, without letting the
container's symlinks reach host files, and `stats` reads real cgroup counters (root, real kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

SETUP = "echo inside > /greet; ln -s /etc /evil; touch /ready; sleep 60"


@pytest.fixture
def running(box: str) -> str:
    started = dockyard("container", "run", "-d", "--name", "dyc1", "--network", "none", box, "sh", "-c", SETUP)
    assert started.returncode == 0, started.stderr
    eventually(lambda: dockyard("container", "exec", "dyc1", "test", "-e", "/ready").returncode == 0)
    return "dyc1"


def test_cp_out_of_and_into_a_running_container(running: str, tmp_path: Path):
    assert dockyard("container", "cp", f"{running}:/greet", str(tmp_path / "greet")).returncode == 0
    assert (tmp_path / "greet").read_text() == "inside\n"
    (tmp_path / "in.txt").write_text("from the host\n")
    assert dockyard("container", "cp", str(tmp_path / "in.txt"), f"{running}:/tmp/").returncode == 0
    assert dockyard("container", "exec", running, "cat", "/tmp/in.txt").stdout == "from the host\n"


def test_a_symlink_in_the_container_cannot_send_a_copy_to_the_host(running: str, tmp_path: Path):
    (tmp_path / "payload").write_text("x\n")
    copied = dockyard("container", "cp", str(tmp_path / "payload"), f"{running}:/evil/dy-cp-payload")
    assert copied.returncode == 0, copied.stderr
    assert not Path("/etc/dy-cp-payload").exists()
    assert dockyard("container", "exec", running, "cat", "/etc/dy-cp-payload").stdout == "x\n"


def test_cp_out_of_and_into_a_stopped_container_keeps_its_symlinks_inside_it(running: str, tmp_path: Path):
    assert dockyard("container", "stop", "-t", "1", running).returncode == 0
    copied = dockyard("container", "cp", f"{running}:/greet", str(tmp_path))
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "greet").read_text() == "inside\n"
    (tmp_path / "payload").write_text("x\n")
    planted = dockyard("container", "cp", str(tmp_path / "payload"), f"{running}:/evil/dy-cp-stopped")
    assert planted.returncode == 0, planted.stderr
    assert not Path("/etc/dy-cp-stopped").exists()
    back = dockyard("container", "cp", f"{running}:/etc/dy-cp-stopped", str(tmp_path / "back"))
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "back").read_text() == "x\n"


def test_stats_reads_the_container_cgroup(running: str):
    import json

    result = dockyard("container", "stats", "--format", "json", running)
    assert result.returncode == 0, result.stderr
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["Name"] == running
    assert int(row["PIDs"]) >= 1
    assert not row["MemUsage"].startswith("0B")
