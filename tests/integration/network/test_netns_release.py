"""A container's pinned network namespace: made without a helper process (the caller stays in its own), and when
it is released the kernel removes the container's veths with it; a namespace something still holds has them
deleted instead, so a detach never leaves a veth or an endpoint behind."""

from __future__ import annotations

import os
import subprocess

import pytest

from runtime import sandbox
from runtime.network import service as service_mod
from runtime.network.spec import NetworkSpec
from tests.support import netns as nsup

pytestmark = pytest.mark.root

CID = "e" * 64


@pytest.fixture
def pinned(tmp_path):
    path = tmp_path / "netns" / CID
    try:
        yield path
    finally:
        sandbox.remove_netns(path)


def test_a_new_netns_is_pinned_with_lo_up_and_the_caller_stays_home(pinned):
    home = os.stat("/proc/thread-self/ns/net").st_ino
    sandbox.create_netns(pinned)
    sandbox.create_netns(pinned)  # again: already pinned, nothing to do
    assert sandbox.is_pinned(pinned)
    assert os.stat(pinned).st_ino != home == os.stat("/proc/thread-self/ns/net").st_ino
    links = subprocess.run(["nsenter", f"--net={pinned}", "ip", "-br", "link"], capture_output=True, text=True,
                           check=True).stdout.split("\n")
    assert [line.split()[:2] for line in links if line] == [["lo", "UNKNOWN"]]
    sandbox.remove_netns(pinned)
    assert not sandbox.is_pinned(pinned) and not pinned.exists()


def test_released_netns_takes_its_veth_and_the_endpoint_goes(net, pinned):
    net.create_network(NetworkSpec("p_release"))
    sandbox.create_netns(pinned)
    ep = net.connect(CID, str(pinned), "p_release", aliases=["p-a-1"])
    assert ep.host_veth in nsup.dy_links()
    sandbox.remove_netns(pinned)
    assert net.disconnect_all(CID, released=True) == ["p_release"]
    assert ep.host_veth not in nsup.dy_links() and net.inspect("p_release").endpoints == ()


def test_a_released_netns_that_is_still_held_has_its_veth_deleted(net, pinned, monkeypatch):
    monkeypatch.setattr(service_mod, "RELEASE_WAIT", 0.2)
    net.create_network(NetworkSpec("p_held"))
    sandbox.create_netns(pinned)
    ep = net.connect(CID, str(pinned), "p_held")
    holder = os.open(pinned, os.O_RDONLY)  # keeps the namespace alive after the unpin
    try:
        sandbox.remove_netns(pinned)
        assert net.disconnect_all(CID, released=True) == ["p_held"]
        assert ep.host_veth not in nsup.dy_links() and net.inspect("p_held").endpoints == ()
    finally:
        os.close(holder)
