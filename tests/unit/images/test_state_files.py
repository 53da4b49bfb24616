"""runtime.state helpers: atomic_write replaces whole files; file_lock excludes other processes."""

from __future__ import annotations

import os
import subprocess
import sys

from runtime.state import atomic_write, file_lock


def test_atomic_write_creates_parents_and_replaces_without_leftovers(tmp_path):
    target = tmp_path / "a" / "b" / "state.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["state.json"]


def test_file_lock_blocks_another_process_until_released(tmp_path):
    lock = tmp_path / "x.lock"
    probe = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
             "except BlockingIOError:\n    print('held')\n")
    run = lambda: subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True).stdout
    with file_lock(lock):
        assert run().strip() == "held"
    assert run().strip() == "free"


def test_shared_locks_coexist(tmp_path):
    lock = tmp_path / "gc.lock"
    with file_lock(lock, shared=True), file_lock(lock, shared=True):
        probe = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
                 "fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB); print('ok')\n")
        out = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True).stdout
        assert out.strip() == "ok"
