"""Holders keep a container's pipes open while no monitor reads them, and hand them back through /proc."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from runtime.supervise.holder import is_holder, make_pipes, reclaim_all, release, spawn_holder


@pytest.fixture
def held():
    fds = make_pipes()
    pid, slots = spawn_holder(fds)
    try:
        yield fds, pid, slots
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)  # our child: by pid, whatever the test did
            os.waitpid(pid, 0)
        for fd in fds.values():
            os.close(fd)


def test_a_holder_is_recognised_by_its_name(held):
    _, pid, _ = held
    assert is_holder(pid) and not is_holder(os.getpid())


def test_writes_survive_the_readers_death_and_a_reclaimed_end_reads_them(held):
    fds, pid, slots = held
    writer = os.dup(fds["stdout_w"])
    for key in ("stdout_r", "stderr_r"):
        os.close(fds.pop(key))  # the monitor's read ends are gone (it died)
    try:
        os.write(writer, b"still here\n")  # no EPIPE: the holder keeps a read end
        back = reclaim_all(pid, slots)
        assert os.read(back["stdout_r"], 100) == b"still here\n"
        for fd in back.values():
            os.close(fd)
    finally:
        os.close(writer)


def test_nothing_to_reclaim_from_a_dead_holder(held):
    _, pid, slots = held
    release(pid)
    os.waitpid(pid, 0)
    assert reclaim_all(pid, slots) is None
    release(pid)  # twice is harmless
