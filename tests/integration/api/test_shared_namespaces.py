"""``pid: container:x`` and ``ipc: container:x`` through the facade (compose turns ``service:x`` into these)."""

from __future__ import annotations

import os

import pytest

from runtime import ContainerSpec
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command or None, network_mode="none", **kw)


def test_pid_and_ipc_of_another_container_are_joined(rt):
    rt.start_container(rt.create_container(spec("host-of-ns", "sleep", "300")).id)
    peer = rt.container("host-of-ns")
    script = "tr '\\0' ' ' < /proc/1/cmdline; echo; readlink /proc/self/ns/ipc"
    cid = rt.create_container(spec("guest", "sh", "-c", script, pid="container:host-of-ns",
                                   ipc="container:host-of-ns")).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 0
    lines = [line.text.strip() for line in rt.logs(cid)]
    assert lines == ["sleep 300", os.readlink(f"/proc/{peer.pid}/ns/ipc")]


def test_joining_a_container_that_is_not_running_fails_the_start(rt):
    rt.create_container(spec("idle", "sleep", "300"))
    cid = rt.create_container(spec("guest2", "true", pid="container:idle")).id
    with pytest.raises(Exception, match="idle is not running"):
        rt.start_container(cid)
