"""``dockyard cp`` into and out of a stopped container: the file lands in its writable layer (and in its volume,
for a path under the volume's mount), the next start sees both, and nothing stays mounted on the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

STACK = """
services:
  app:
    image: dybox:latest
    volumes: [data:/data]
    command: ["sh", "-c", "cat /tmp/in.txt /data/v.txt 2>/dev/null || echo missing"]
volumes:
  data: {}
"""


def exited_logs(project: Path, count: int) -> list[str]:
    def done() -> list[str]:
        ps = dockyard("ps", "-a", "--format", "json", "app", cwd=project).stdout
        assert '"exited"' in ps, ps
        lines = dockyard("logs", "--no-log-prefix", "app", cwd=project).stdout.splitlines()
        assert len(lines) >= count, lines
        return lines

    return eventually(done, timeout=40)


def mounted(root: Path) -> list[str]:
    return [line for line in Path("/proc/mounts").read_text().splitlines() if str(root) in line]


def test_cp_in_and_out_of_a_stopped_container(project, dockyard_dirs, tmp_path):
    (project / "compose.yaml").write_text(STACK)
    assert dockyard("up", "-d", cwd=project).returncode == 0
    assert exited_logs(project, 1) == ["missing"]
    root, _ = dockyard_dirs
    (tmp_path / "in.txt").write_text("layer\n")
    (tmp_path / "v.txt").write_text("volume\n")
    for src, dest in ((tmp_path / "in.txt", "app:/tmp/in.txt"), (tmp_path / "v.txt", "app:/data/v.txt")):
        done = dockyard("cp", str(src), dest, cwd=project)
        assert done.returncode == 0, done.stderr
    back = dockyard("cp", "app:/tmp/in.txt", str(tmp_path / "back.txt"), cwd=project)
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "back.txt").read_text() == "layer\n"
    missing = dockyard("cp", "app:/tmp/nope", str(tmp_path / "x"), cwd=project)
    assert missing.returncode == 1 and "no such file or directory in the container: /tmp/nope" in missing.stderr
    assert mounted(root) == []  # the copy's mounts lived and died in its own namespace
    assert dockyard("start", "app", cwd=project).returncode == 0
    assert exited_logs(project, 3)[-2:] == ["layer", "volume"]
