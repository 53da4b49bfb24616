"""The per-project lock: one dockyard command per project at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from compose.lock import LockError, lock_path, project_lock
from tests.support.paths import REPO

HOLDER = textwrap.dedent("""
    import sys, time
    from compose.lock import project_lock
    with project_lock("demo", run_dir=sys.argv[1]):
        print("held", flush=True)
        sys.stdin.readline()
""")


def test_a_second_command_on_the_same_project_waits_then_fails_naming_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockError, match=rf"project demo is locked by another dockyard command \(pid {holder.pid}\)"):
            with project_lock("demo", run_dir=tmp_path, timeout=0.2):
                pass
    finally:
        holder.communicate("\n", timeout=10)
    with project_lock("demo", run_dir=tmp_path, timeout=1):
        pass


def test_other_projects_are_not_blocked(tmp_path):
    with project_lock("one", run_dir=tmp_path):
        with project_lock("two", run_dir=tmp_path, timeout=0.2):
            assert lock_path("two", tmp_path).exists()


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    with project_lock("demo", run_dir=tmp_path):
        with project_lock("demo", run_dir=tmp_path, timeout=0.2):
            pass


def test_a_waiting_command_is_told_why(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    told: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockError):
            with project_lock("demo", run_dir=tmp_path, timeout=0.2, on_wait=told.append):
                pass
    finally:
        holder.communicate("\n", timeout=10)
    assert told == [f"project demo is locked by another dockyard command (pid {holder.pid})"]
