"""The handle on a started container: exit codes as Docker's, OOM and cgroup cleanup at exit, close and detach.

A plain host child stands in for the container's init (no root needed); the cgroup is a recording fake.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from runtime.errors import ContainerError
from runtime.linux.cgroups import Cgroup
from runtime.process import launcher
from runtime.spec import ContainerSpec, ProcessSpec, RootfsSpec


class FakeCgroup(Cgroup):
    def __init__(self, oom: bool = False) -> None:
        self.name = "fake"
        self.oom = oom
        self.removed = 0

    def join_self(self) -> None:
        raise AssertionError("not joined in these tests")

    def pids(self) -> list[int]:
        return []

    def oom_killed(self) -> bool:
        return self.oom

    def remove(self) -> None:
        self.removed += 1

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return []


@pytest.fixture
def child():
    proc = subprocess.Popen(["sleep", "300"])
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _handle(pid: int, cgroup: Cgroup | None) -> launcher.ContainerProcess:
    spec = ContainerSpec(id="0123456789abcdef", rootfs=RootfsSpec(("/nonexistent",), "/nonexistent"),
                         process=ProcessSpec(args=("sleep",)))
    return launcher.ContainerProcess(spec, pid, cgroup)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize(("status", "code"), [(0, 0), (3 << 8, 3), (signal.SIGKILL, 137), (signal.SIGTERM, 143)])
def test_a_waitpid_status_becomes_dockers_exit_code(status, code):
    assert launcher.exit_code_of_status(status) == code


def test_wait_records_a_death_by_signal_as_128_plus_n_and_removes_the_cgroup(child):
    cgroup = FakeCgroup(oom=True)
    proc = _handle(child.pid, cgroup)
    proc.kill(signal.SIGKILL)
    assert proc.wait() == 137
    assert proc.oom_killed and cgroup.removed == 1 and proc.cgroup is None and proc.finished_at is not None


def test_record_exit_takes_an_exit_reaped_elsewhere_and_is_idempotent(child):
    cgroup = FakeCgroup()
    before = _open_fds()
    proc = _handle(child.pid, cgroup)
    assert proc.record_exit(143) == 143
    assert proc.record_exit(0) == 143
    assert cgroup.removed == 1 and not proc.oom_killed
    assert _open_fds() == before  # the pidfd went with the exit


def test_close_releases_the_pidfd_and_leaves_process_and_cgroup_alone(child):
    cgroup = FakeCgroup()
    before = _open_fds()
    proc = _handle(child.pid, cgroup)
    proc.close()
    proc.close()
    assert _open_fds() == before
    assert child.poll() is None and cgroup.removed == 0 and proc.cgroup is cgroup
    proc.kill()  # a closed handle signals nothing
    assert child.poll() is None
    with pytest.raises(ContainerError, match="handle was closed"):
        proc.wait()


def test_detach_hands_the_cgroup_over(child):
    cgroup = FakeCgroup(oom=True)
    before = _open_fds()
    proc = _handle(child.pid, cgroup)
    assert proc.detach() is cgroup
    assert _open_fds() == before and proc.cgroup is None
    assert proc.record_exit(137) == 137
    assert cgroup.removed == 0 and not proc.oom_killed  # the new owner reads and removes it


def test_release_cgroup_reports_oom_and_removes_it():
    cgroup = FakeCgroup(oom=True)
    assert launcher.release_cgroup(cgroup) and cgroup.removed == 1
