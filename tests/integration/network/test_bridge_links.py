"""runtime/network/bridge.py on real links: a veth made in one request lands on the bridge of that name even after
the bridge was made again, and waiting for links to vanish sees their removal."""

from __future__ import annotations

import json
import threading

import pytest

from runtime.errors import NetworkError
from runtime.network import bridge
from tests.support import netns as nsup

pytestmark = pytest.mark.root



def master_of(link: str) -> str | None:
    out = nsup.run(["ip", "-j", "link", "show", "dev", link]).stdout
    return json.loads(out)[0].get("master")


def test_a_veth_goes_onto_the_bridge_of_that_name_after_the_bridge_was_made_again(names):
    br, first, second = names("b"), names("v"), names("v")
    bridge.create_bridge(br, "10.213.7.1", 24)
    with nsup.netns("bl") as ns:
        bridge.plug_veth(first, br, None, ns.path, "eth0", "02:42:0a:d5:07:02")
        bridge.delete_link(br)
        bridge.create_bridge(br, "10.213.7.1", 24)
        bridge.plug_veth(second, br, 1400, ns.path, "eth1", "02:42:0a:d5:07:03")
        assert master_of(second) == br and master_of(first) is None
        inside = json.loads(ns.exec(["ip", "-j", "link", "show", "dev", "eth1"]).stdout)[0]
        assert (inside["address"], inside["mtu"]) == ("02:42:0a:d5:07:03", 1400)


def test_a_veth_for_a_missing_bridge_is_refused_and_nothing_is_left(names):
    host = names("v")
    with nsup.netns("bl") as ns, pytest.raises(NetworkError, match="enslave veth to bridge .*ENODEV"):
        bridge.plug_veth(host, names("b"), None, ns.path, "eth0", "02:42:0a:d5:07:04")
    assert not bridge.link_exists(host)


def test_waiting_for_links_returns_those_still_there_and_sees_a_removal(names):
    br, gone, stays = names("b"), names("v"), names("v")
    bridge.create_bridge(br, "10.213.8.1", 24)
    bridge.create_veth(gone, names("p"), br, None)
    bridge.create_veth(stays, names("p"), br, None)
    assert bridge.wait_gone([stays], 0.1) == [stays]
    remover = threading.Timer(0.05, bridge.delete_link, args=(gone,))
    remover.start()
    try:
        assert bridge.wait_gone([gone], 30) == []
    finally:
        remover.join()
    assert not bridge.link_exists(gone) and bridge.link_exists(stays)


def _address(link: str) -> str:
    return json.loads(nsup.run(["ip", "-j", "link", "show", "dev", link]).stdout)[0]["address"]


def test_a_bridge_keeps_the_address_it_was_made_with_as_ports_come_and_go(names):
    """A bridge left to choose takes its lowest port's address (the kernel's rule, shown on ``chooser``); then a
    container's ARP entry for its gateway goes stale when a port comes or goes, and DNS stalls for seconds. The
    bridges dockyard makes are given their address."""
    fixed, chooser = names("b"), names("b")
    bridge.create_bridge(fixed, "10.213.9.1", 24, mac="02:42:0a:d5:09:01")
    bridge.create_bridge(chooser, "10.213.13.1", 24)
    low = {}
    for br in (fixed, chooser):
        low[br] = names("v")
        bridge.create_veth(low[br], names("p"), br, None)
        nsup.run(["ip", "link", "set", "dev", low[br], "address", "00:00:5e:00:53:01"])  # below any other
    assert _address(chooser) == "00:00:5e:00:53:01"
    assert _address(fixed) == "02:42:0a:d5:09:01"
    bridge.delete_link(low[fixed])
    assert _address(fixed) == "02:42:0a:d5:09:01"
