"""Parallel starts and the shared cgroup parent: every new cgroup can take tasks at once (cgroup v1's cpuset
starts empty, and joining an empty cpuset fails with ENOSPC), however the creators interleave."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest

from runtime.linux.cgroups import V1Driver, detect
from runtime.spec import Resources

pytestmark = pytest.mark.root

ROOT = Path("/sys/fs/cgroup")
CREATORS = 8
ROUNDS = 5


def _creator(driver: V1Driver, name: str, go: int) -> int:
    """In a forked child: wait for the common go, create the cgroup, join it. Returns the exit status to use."""
    try:
        os.read(go, 1)
        driver.create(name, Resources()).join_self()
        return 0
    except Exception as exc:  # noqa: BLE001 - reported through the exit status and stderr
        os.write(2, f"{name}: {exc}\n".encode())
        return 1


@pytest.mark.skipif(not isinstance(detect(), V1Driver), reason="the cpuset race is a cgroup v1 matter")
def test_parallel_creators_of_a_fresh_parent_all_get_a_joinable_cpuset():
    parent = "dyrace" + uuid.uuid4().hex[:8]
    driver = V1Driver(ROOT, parent)
    failures = []
    try:
        for round_ in range(ROUNDS):  # the parent is gone again before each round: its creation races every time
            go_r, go_w = os.pipe()
            names = [f"r{round_}c{i}" for i in range(CREATORS)]
            pids = []
            for name in names:
                pid = os.fork()
                if pid == 0:
                    os.close(go_w)
                    os._exit(_creator(driver, name, go_r))
                pids.append(pid)
            os.close(go_r)
            os.write(go_w, b"x" * CREATORS)
            os.close(go_w)
            failures += [name for name, pid in zip(names, pids) if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
            for name in names:
                driver.open(name).remove()  # removes the parent with the last one
            assert not any((ROOT / h / parent).exists() for h in driver.hierarchies)
    finally:
        for h in driver.hierarchies:
            for leftover in sorted((ROOT / h / parent).glob("*/"), reverse=True):
                with contextlib.suppress(OSError):
                    os.rmdir(leftover)
            with contextlib.suppress(OSError):
                os.rmdir(ROOT / h / parent)
    assert failures == []
