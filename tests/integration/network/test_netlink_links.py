"""The netlink client (runtime/network/netlink.py) and bridge.py on real links: dumps that span many datagrams,
the kernel's refusals as errno codes, a veth made straight into a netns and configured there (IPv4 and IPv6), links
moved and deleted inside a netns, and link notifications. Links live in private namespaces or are named ``dy...``
and deleted at teardown."""

from __future__ import annotations

import errno
import json
import socket

import pytest

from runtime.errors import NetworkError
from runtime.network import bridge
from runtime.network import netlink as nl
from runtime.network import rtmsg
from tests.support import netns as nsup
from tests.support.eventually import eventually

pytestmark = pytest.mark.root
CREATE = nl.NLM_F_CREATE | nl.NLM_F_EXCL



@pytest.fixture
def parse():
    return rtmsg.load()["parse"]


def new_bridge(rt: nl.Rtnl, name: str) -> None:
    rt.request(nl.RTM_NEWLINK, rtmsg.ifinfo(name=name, attrs=(rtmsg.linkinfo("bridge"),)), CREATE)


def ip_json(ns: nsup.Netns | None, *argv: str) -> list:
    cmd = ["ip", "-j", *argv]
    return json.loads((ns.exec(cmd) if ns else nsup.run(cmd)).stdout or "[]")


def defaults(ns: nsup.Netns) -> list[tuple[str, str]]:
    routes = ip_json(ns, "-4", "route", "show", "default") + ip_json(ns, "-6", "route", "show", "default")
    return [(r["gateway"], r["dev"]) for r in routes]


def test_a_dump_returns_every_link_of_a_namespace_with_many(parse):
    wanted = {f"dyn{i}" for i in range(40)}
    with nsup.netns("nl") as ns, nl.inside(ns.path, parse) as rt:
        for name in sorted(wanted):
            new_bridge(rt, name)
        dumped = [m.get_attr("IFLA_IFNAME") for m in rt.dump(nl.RTM_GETLINK, rtmsg.ifinfo())]
        assert sorted(dumped) == sorted(wanted | {"lo"})
        assert sorted(dumped) == sorted(link["ifname"] for link in ip_json(ns, "link", "show"))


def test_the_kernels_refusals_carry_their_errno(parse):
    from pyroute2.netlink.exceptions import NetlinkError

    with nsup.netns("nl") as ns, nl.inside(ns.path, parse) as rt:
        new_bridge(rt, "dyb0")
        with pytest.raises(NetlinkError) as exists:
            new_bridge(rt, "dyb0")
        with pytest.raises(NetlinkError) as missing:
            rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name="dyb1"))
        assert (exists.value.code, missing.value.code) == (errno.EEXIST, errno.ENODEV)
        rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name="dyb0"))
        assert [m.get_attr("IFLA_IFNAME") for m in rt.dump(nl.RTM_GETLINK, rtmsg.ifinfo())] == ["lo"]


def test_a_bridge_made_twice_is_refused_naming_the_step_and_deletes_are_idempotent(names):
    br = names("b")
    bridge.create_bridge(br, "10.213.10.1", 24, mtu=1400)
    (link,) = ip_json(None, "addr", "show", "dev", br)
    assert (link["mtu"], "UP" in link["flags"]) == (1400, True)
    assert [(a["local"], a["prefixlen"]) for a in link["addr_info"] if a["family"] == "inet"] == [("10.213.10.1", 24)]
    assert ("10.213.10.0/24", "host route") in bridge.host_networks()
    with pytest.raises(NetworkError, match=f"create bridge {br}: EEXIST"):
        bridge.create_bridge(br, "10.213.10.1", 24)
    assert bridge.delete_link(br) is True and bridge.delete_link(br) is False
    with pytest.raises(NetworkError, match=f"set link {br} up: no such link"):
        bridge.set_link_up(br)


def test_a_veth_plugged_into_a_netns_is_configured_there_for_ipv4_and_ipv6(names):
    br, host = names("b"), names("v")
    bridge.create_bridge(br, "10.213.11.1", 24)
    bridge.add_address6(br, "fd42:213:11::1", 64)
    assert ("fd42:213:11::1/64", f"address on {socket.if_nametoindex(br)}") in bridge.host_networks6()
    with nsup.netns("nl") as ns:
        bridge.plug_veth(host, br, 1400, ns.path, "dytmp0", "02:42:0a:d5:0b:02")
        assert bridge.next_ifname(ns.path) == "eth0"
        bridge.configure_inside(ns.path, "dytmp0", "eth0", "10.213.11.2", 24, "02:42:0a:d5:0b:03", 1300,
                                "10.213.11.1", address6="fd42:213:11::2", gateway6="fd42:213:11::1")
        (eth0,) = ip_json(ns, "addr", "show", "dev", "eth0")
        assert (eth0["address"], eth0["mtu"], "UP" in eth0["flags"]) == ("02:42:0a:d5:0b:03", 1300, True)
        addrs = {(a["local"], a["prefixlen"]) for a in eth0["addr_info"] if a.get("scope") == "global"}
        assert addrs == {("10.213.11.2", 24), ("fd42:213:11::2", 64)}
        assert [a.get("nodad") for a in eth0["addr_info"] if a["local"] == "fd42:213:11::2"] == [True]
        assert "UP" in ip_json(ns, "link", "show", "dev", "lo")[0]["flags"]
        assert bridge.next_ifname(ns.path) == "eth1"
        assert defaults(ns) == [("10.213.11.1", "eth0"), ("fd42:213:11::1", "eth0")]
        bridge.configure_inside(ns.path, "eth0", "eth0", "10.213.11.3", 24, None, None, "10.213.11.254",
                                replace_default=True)
        assert defaults(ns)[0] == ("10.213.11.254", "eth0")
        assert bridge.delete_inside(ns.path, "eth0") is True
        eventually(lambda: not bridge.link_exists(host))
        assert bridge.delete_inside(ns.path, "eth0") is False
    assert bridge.delete_inside(ns.path, "eth0") is False  # the netns itself is gone


def test_a_host_veth_peer_moved_into_a_netns_can_be_set_up_and_deleted_there(names):
    br, host, peer = names("b"), names("v"), names("p")
    bridge.create_bridge(br, "10.213.12.1", 24)
    bridge.create_veth(host, peer, br, 1450)
    (link,) = ip_json(None, "link", "show", "dev", host)
    assert (link["master"], link["mtu"], "UP" in link["flags"]) == (br, 1450, True)
    with nsup.netns("nl") as ns:
        bridge.move_to_netns(peer, ns.path)
        assert not bridge.link_exists(peer)
        bridge.set_link_up(peer, netns=ns.path)
        assert "UP" in ip_json(ns, "link", "show", "dev", peer)[0]["flags"]
        bridge.set_link_up(peer, up=False, netns=ns.path)
        assert "UP" not in ip_json(ns, "link", "show", "dev", peer)[0]["flags"]
        assert bridge.delete_inside(ns.path, peer) is True
        eventually(lambda: not bridge.link_exists(host))


def test_a_subscriber_is_woken_by_a_link_made_and_by_its_removal(parse):
    with nsup.netns("nl") as ns, nl.inside(ns.path, parse, groups=nl.RTMGRP_LINK) as events, \
            nl.inside(ns.path, parse) as rt:
        assert events.arrivals(0) == 0
        new_bridge(rt, "dyw0")
        assert events.arrivals(10) >= 1
        assert events.arrivals(0) == 0  # drained
        rt.request(nl.RTM_DELLINK, rtmsg.ifinfo(name="dyw0"))
        assert events.arrivals(10) >= 1
        assert events.arrivals(0) == 0
