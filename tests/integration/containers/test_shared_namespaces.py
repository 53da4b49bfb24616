"""Joining another container's namespaces (``pid: container:x``, ``ipc: container:x``): the new container's
process lands in them, and its own /proc shows the other container's processes."""

from __future__ import annotations

import os

import pytest

from runtime.spec import NAMESPACE_KINDS, Namespace
from tests.support.eventually import eventually

pytestmark = pytest.mark.root


def _joining(pid: int, *kinds: str) -> tuple[Namespace, ...]:
    return tuple(Namespace(k, path=f"/proc/{pid}/ns/{k}") if k in kinds else Namespace(k) for k in NAMESPACE_KINDS)


@pytest.fixture
def peer(containers, tmp_path):
    out = tmp_path / "peer.out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 300"), out)
    eventually(lambda: "ready" in out.read_text())
    return proc


def test_a_container_joining_anothers_pid_namespace_sees_its_processes(containers, peer):
    probe = containers.sh("cat /proc/1/cmdline | tr '\\0' ' '; echo; readlink /proc/self/ns/pid; echo $$",
                          namespaces=_joining(peer.pid, "pid"))
    cmdline, ns, own_pid = probe.out.splitlines()
    assert probe.code == 0, probe.err
    assert cmdline.strip() == "sleep 300"  # pid 1 here is the other container's init
    assert ns == os.readlink(f"/proc/{peer.pid}/ns/pid")
    assert int(own_pid) > 1


def test_init_in_a_joined_pid_namespace_still_reaps_and_returns_the_exit_code(containers, peer):
    spec = containers.spec("sh", "-c", "sleep 0.1 & exit 7", namespaces=_joining(peer.pid, "pid"), init=True)
    assert containers.run(spec).code == 7


def test_a_container_joining_anothers_ipc_namespace_shares_it(containers, peer):
    probe = containers.sh("readlink /proc/self/ns/ipc", namespaces=_joining(peer.pid, "ipc"))
    assert probe.out.strip() == os.readlink(f"/proc/{peer.pid}/ns/ipc")


def test_joining_the_pid_namespace_of_a_container_that_is_gone_fails_the_start(containers, peer, tmp_path):
    from runtime.errors import ContainerError

    path = tmp_path / "stale-ns"
    path.write_text("")
    spec = containers.spec("true", namespaces=tuple(
        Namespace(k, path=str(path)) if k == "pid" else Namespace(k) for k in NAMESPACE_KINDS))
    with pytest.raises(ContainerError, match="pid namespace"):
        containers.run(spec)
