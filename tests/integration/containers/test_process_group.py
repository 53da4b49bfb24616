"""A container (and anything exec'd into it) runs in a session of its own: signalling its own process group
(`kill 0`) reaches the container's processes and never the launcher that started it (in production, the monitor)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from runtime.process.exec import exec_in
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

# sh traps USR1 (so it survives its own signal and proves it was delivered), then signals its process group.
SIGNALS_ITS_GROUP = "trap 'echo got-usr1' USR1; kill -USR1 0; echo done"


@pytest.fixture
def usr1_seen() -> Iterator[list[int]]:
    """Records every SIGUSR1 this (launcher) process receives while the test runs."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda sig, _frame: seen.append(sig))
    try:
        yield seen
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_kill_0_in_a_container_stays_in_the_container(containers, usr1_seen):
    probe = containers.sh(SIGNALS_ITS_GROUP)
    assert probe.code == 0, probe.err
    assert probe.out.split() == ["got-usr1", "done"]
    assert usr1_seen == []


def test_the_container_leads_its_own_session_and_process_group(containers, tmp_path):
    out = tmp_path / "init.out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60"), out)
    try:
        eventually(lambda: "ready" in out.read_text())
        assert os.getsid(proc.pid) == proc.pid and os.getpgid(proc.pid) == proc.pid
        assert os.getsid(proc.pid) != os.getsid(0) and os.getpgid(proc.pid) != os.getpgrp()
    finally:
        proc.kill()
        proc.wait(30)


def test_kill_0_in_an_exec_stays_in_the_exec(containers, tmp_path, usr1_seen):
    ready = tmp_path / "init.out"
    running = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60"), ready)
    try:
        eventually(lambda: "ready" in ready.read_text())
        out = tmp_path / "exec.out"
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            proc = exec_in(running, ("sh", "-c", SIGNALS_ITS_GROUP), stdio=(None, fd, fd))
        finally:
            os.close(fd)
        containers.running.append(proc)
        assert proc.wait(30) == 0, out.read_text()
        assert out.read_text().split() == ["got-usr1", "done"]
        assert usr1_seen == []
        with open(f"/proc/{running.pid}/stat") as stat:  # the container's init was not in the exec's group either
            assert stat.read().rsplit(")", 1)[1].split()[0] in ("S", "R")
    finally:
        running.kill()
        running.wait(30)
