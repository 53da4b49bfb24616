"""``dockyard export``: the container's own filesystem (image layers and what it wrote) as a tar archive, running
or stopped; its volume, /proc and the runtime's /etc binds are not in it, and nothing stays mounted."""

from __future__ import annotations

import io
import tarfile
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
    command: ["sh", "-c", "echo mine > /made.txt; echo vol > /data/v.txt; touch /tmp/ready; exec sleep 300"]
volumes:
  data: {}
"""


def names(data: bytes) -> set[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return set(tar.getnames())


def read(data: bytes, member: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.extractfile(member).read()


def test_export_of_a_running_then_a_stopped_container(project, dockyard_dirs, tmp_path):
    (project / "compose.yaml").write_text(STACK)
    assert dockyard("up", "-d", cwd=project).returncode == 0
    eventually(lambda: dockyard("exec", "app", "test", "-f", "/tmp/ready", cwd=project).returncode == 0, timeout=30)

    running = tmp_path / "running.tar"
    done = dockyard("export", "app", "-o", str(running), cwd=project)
    assert done.returncode == 0, done.stderr
    got = names(running.read_bytes())
    assert {"bin/busybox", "made.txt", "tmp/ready", "data"} <= got
    assert read(running.read_bytes(), "made.txt") == b"mine\n"
    assert not any(n.startswith(("proc/", "sys/", "data/")) for n in got), sorted(got)[:20]  # mount points only
    assert "etc/hosts" not in got or read(running.read_bytes(), "etc/hosts") == b""  # the bind is not exported

    assert dockyard("stop", "-t", "1", "app", cwd=project).returncode == 0
    stopped = dockyard("export", "app", cwd=project, text=False)
    assert stopped.returncode == 0, stopped.stderr
    assert {"bin/busybox", "made.txt", "tmp/ready"} <= names(stopped.stdout)
    assert not any(n.startswith("data/") for n in names(stopped.stdout))
    root, _ = dockyard_dirs
    assert [line for line in Path("/proc/mounts").read_text().splitlines() if str(root) in line] == []


def test_export_of_a_service_without_a_container_names_the_fix(project):
    (project / "compose.yaml").write_text(STACK)
    out = dockyard("export", "app", "-o", "/dev/null", cwd=project)
    assert out.returncode == 1 and "service app has no container" in out.stderr
