"""exec into a running container: same namespaces, cgroup and security; own user, cwd and env when asked."""

from __future__ import annotations

import os
import signal

import pytest

from runtime.errors import ContainerError
from runtime.process.exec import exec_in
from runtime.spec import ProcessSpec, Resources, User
from tests.support.eventually import eventually

pytestmark = pytest.mark.root


@pytest.fixture
def running(containers, tmp_path):
    out = tmp_path / "init.out"
    spec = containers.spec(process=ProcessSpec(args=("sh", "-c", "echo ready; exec sleep 60"), env=("A=1",),
                                               cwd="/srv"), hostname="box", resources=Resources(pids_limit=50))
    proc = containers.start(spec, out)
    eventually(lambda: "ready" in out.read_text())
    return proc


def _exec(containers, running, tmp_path, *args, **kw):
    out = tmp_path / "exec.out"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        proc = exec_in(running, args, stdio=(None, fd, fd), **kw)
    finally:
        os.close(fd)
    containers.running.append(proc)
    code = proc.wait(30)
    return code, out.read_text()


def test_exec_sees_the_containers_namespaces_cwd_env_and_cgroup(containers, running, tmp_path):
    code, out = _exec(containers, running, tmp_path, "sh", "-c",
                      "hostname; pwd; echo $A$B; readlink /proc/self/ns/net; cat /sys/fs/cgroup/pids/pids.max;"
                      " grep CapEff /proc/self/status; grep Seccomp: /proc/self/status", env=("B=2",))
    assert code == 0, out
    lines = out.split("\n")
    assert lines[:3] == ["box", "/srv", "12"]
    assert lines[3] == os.readlink(f"/proc/{running.pid}/ns/net")
    assert lines[4] == "50"
    assert lines[5].split()[1] == "00000000a80425fb"
    assert lines[6].split()[1] == "2"


def test_exec_as_another_user_in_another_dir(containers, running, tmp_path):
    code, out = _exec(containers, running, tmp_path, "sh", "-c", "id -u; pwd", user=User("alice"), cwd="/tmp")
    assert (code, out.split()) == (0, ["1000", "/tmp"])


def test_exec_exit_code_and_missing_binary(containers, running, tmp_path):
    assert _exec(containers, running, tmp_path, "sh", "-c", "exit 4")[0] == 4
    with pytest.raises(ContainerError, match='exec: "nope"'):
        _exec(containers, running, tmp_path, "nope")


def test_exec_is_killed_through_its_helper(containers, running, tmp_path):
    proc = exec_in(running, ("sleep", "60"), stdio=(None, None, None))
    containers.running.append(proc)
    proc.kill(signal.SIGTERM)
    assert proc.wait(10) == 128 + signal.SIGTERM


def test_exec_into_a_stopped_container_is_refused(containers, running):
    running.kill()
    running.wait()
    with pytest.raises(ContainerError, match="not running"):
        exec_in(running, ("true",))
