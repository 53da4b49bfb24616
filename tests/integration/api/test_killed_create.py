"""A create killed halfway (``kill -9`` of ``up`` while it makes containers) leaves litter, not a container: the next
listing removes it, with what it had made, and its name is free again.

Seen in CI before the fix: the record existed without its network namespace, and the next ``up`` started it and
failed on the missing netns."""

from __future__ import annotations

import os
import signal

import pytest

from runtime import ContainerSpec, MountSpec, StateError, provision
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root

ANONYMOUS = {"com.docker.volume.anonymous": ""}


def _spec(name: str) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=("true",), network_mode="bridge",
                         mounts=(MountSpec("volume", "/data"),))


def _create_killed_halfway(rt, name: str) -> None:
    """``create`` in a forked process that SIGKILLs itself once the record and its anonymous volume exist, before
    the netns path and the launch file are recorded."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            provision.write_files = lambda *_a, **_k: os.kill(os.getpid(), signal.SIGKILL)
            rt.create_container(_spec(name))
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def test_a_listing_removes_the_litter_of_a_killed_create_and_its_volume(rt):
    _create_killed_halfway(rt, "half")
    assert [r["name"] for r in rt.store.all()] == ["half"]  # the record is there, half made
    assert len(rt.volumes(ANONYMOUS)) == 1
    with pytest.raises(StateError, match="killed before it finished"):
        rt.start_container("half")

    assert rt.containers(all=True) == []
    assert rt.store.all() == []
    assert rt.volumes(ANONYMOUS) == []

    cid = rt.create_container(_spec("half")).id  # the name is free, and a whole container starts
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 0


def test_a_create_takes_over_the_name_a_killed_create_left(rt):
    _create_killed_halfway(rt, "again")
    cid = rt.create_container(_spec("again")).id
    assert [(r["id"], r["name"]) for r in rt.store.all()] == [(cid, "again")]
    rt.start_container("again")
    assert rt.wait_container(cid, timeout=30) == 0


def test_a_create_in_progress_is_not_litter(rt):
    """The mark names a live process (this one) while it provisions: nobody may remove that record."""
    seen = []

    def look(*_a, **_k):
        seen.extend((r["name"], bool(r.get("creating"))) for r in rt.store.all())
        seen.extend(i.name for i in rt.containers(all=True))
        return []

    real, provision.write_files = provision.write_files, look
    try:
        info = rt.create_container(_spec("busy"))
    finally:
        provision.write_files = real
    assert seen == [("busy", True), "busy"]
    assert rt.store.read(info.id).get("creating") is None
