"""runtime/network/netlink.py, the synchronous NETLINK_ROUTE client under rtmsg.py: requests encoded and replies
decoded by pyroute2's message classes, ACKs and refusals, dumps, sequence numbers, one client per thread. Read-only
queries of the host's ``lo`` and messages that never reach the kernel: no root needed."""

from __future__ import annotations

import errno
import socket
import threading

import pytest

from runtime.network import rtmsg
from runtime.network import netlink as nl


@pytest.fixture(scope="module")
def codec():
    return rtmsg.load()


def round_trip(codec, mtype: int, msg):
    """``msg`` encoded as pyroute2 sends it, then decoded by the parser the client uses."""
    msg["header"]["type"] = mtype
    msg["header"]["sequence_number"] = 7
    msg.encode()
    (back,) = list(codec["parse"](bytes(msg.data)))
    assert back["header"]["type"] == mtype and back["header"]["sequence_number"] == 7
    return back


def test_the_kernel_numbers_are_pyroute2s(codec):
    from pyroute2 import netlink as p
    from pyroute2.netlink import rtnl

    assert (nl.NLMSG_ERROR, nl.NLMSG_DONE) == (p.NLMSG_ERROR, p.NLMSG_DONE)
    assert (nl.NLM_F_REQUEST, nl.NLM_F_ACK, nl.NLM_F_DUMP, nl.NLM_F_DUMP_INTR) == (
        p.NLM_F_REQUEST, p.NLM_F_ACK, p.NLM_F_DUMP, p.NLM_F_DUMP_INTR)
    assert (nl.NLM_F_REPLACE, nl.NLM_F_EXCL, nl.NLM_F_CREATE) == (p.NLM_F_REPLACE, p.NLM_F_EXCL, p.NLM_F_CREATE)
    assert (nl.RTM_NEWLINK, nl.RTM_DELLINK, nl.RTM_GETLINK, nl.RTM_NEWADDR, nl.RTM_GETADDR, nl.RTM_NEWROUTE,
            nl.RTM_GETROUTE, nl.RTMGRP_LINK) == (rtnl.RTM_NEWLINK, rtnl.RTM_DELLINK, rtnl.RTM_GETLINK,
                                                 rtnl.RTM_NEWADDR, rtnl.RTM_GETADDR, rtnl.RTM_NEWROUTE,
                                                 rtnl.RTM_GETROUTE, rtnl.RTMGRP_LINK)


def test_a_veth_request_with_its_peer_in_a_netns_decodes_to_what_was_asked(codec):
    peer = [("IFLA_IFNAME", "eth1"), ("IFLA_ADDRESS", "02:42:0a:00:00:05"), ("IFLA_NET_NS_FD", 9), ("IFLA_MTU", 1400)]
    info = rtmsg.linkinfo("veth", [("VETH_INFO_PEER", {"attrs": peer})])
    msg = rtmsg.ifinfo(name="dyv0", up=True, attrs=(("IFLA_MASTER", 42), ("IFLA_MTU", 1400), info))
    back = round_trip(codec, nl.RTM_NEWLINK, msg)
    assert (back["flags"], back["change"], back["state"]) == (rtmsg.IFF_UP, rtmsg.IFF_UP, "up")
    assert (back.get_attr("IFLA_IFNAME"), back.get_attr("IFLA_MASTER"), back.get_attr("IFLA_MTU")) == ("dyv0", 42, 1400)
    linkinfo = back.get_attr("IFLA_LINKINFO")
    assert linkinfo.get_attr("IFLA_INFO_KIND") == "veth"
    inner = linkinfo.get_attr("IFLA_INFO_DATA").get_attr("VETH_INFO_PEER")
    assert [(name, inner.get_attr(name)) for name, _ in peer] == peer


def test_a_link_set_touches_only_what_is_given(codec):
    down = round_trip(codec, nl.RTM_NEWLINK, rtmsg.ifinfo(5, up=False))
    assert (down["index"], down["flags"], down["change"], down["attrs"]) == (5, 0, rtmsg.IFF_UP, [])
    renamed = round_trip(codec, nl.RTM_NEWLINK, rtmsg.ifinfo(5, attrs=(("IFLA_IFNAME", "eth0"), ("IFLA_MTU", None))))
    assert (renamed["change"], [a[0] for a in renamed["attrs"]]) == (0, ["IFLA_IFNAME"])


@pytest.mark.parametrize(("family", "address", "flags", "names"), [
    (socket.AF_INET, "10.1.2.3", 0, ["IFA_ADDRESS", "IFA_LOCAL"]),
    (socket.AF_INET6, "fd00::3", rtmsg.IFA_F_NODAD, ["IFA_ADDRESS", "IFA_FLAGS"]),
])
def test_an_address_request_decodes_to_what_was_asked(codec, family, address, flags, names):
    sent: list = []

    class Recorder:
        def request(self, mtype, msg, flags=0):
            sent.append((mtype, msg, flags))

    rtmsg.addr_add(Recorder(), 7, address, 24, family, flags)  # type: ignore[arg-type]
    (mtype, msg, request_flags), = sent
    assert (mtype, request_flags) == (nl.RTM_NEWADDR, nl.NLM_F_CREATE | nl.NLM_F_EXCL)
    back = round_trip(codec, mtype, msg)
    assert (back["family"], back["prefixlen"], back["index"]) == (family, 24, 7)
    assert sorted(a[0] for a in back["attrs"]) == names
    assert back.get_attr("IFA_ADDRESS") == address and (back.get_attr("IFA_FLAGS") or 0) == flags


def test_a_default_route_request_decodes_to_what_was_asked(codec):
    sent: list = []

    class Recorder:
        def request(self, mtype, msg, flags=0):
            sent.append((mtype, msg, flags))

    rtmsg.route_default(Recorder(), socket.AF_INET6, "fd00::1", True, oif=3)  # type: ignore[arg-type]
    (mtype, msg, flags), = sent
    assert flags == nl.NLM_F_CREATE | nl.NLM_F_REPLACE
    back = round_trip(codec, mtype, msg)
    assert (back["family"], back["dst_len"], back["table"], back["proto"], back["type"]) == (
        socket.AF_INET6, 0, rtmsg.MAIN_TABLE, rtmsg.RTPROT_STATIC, rtmsg.RTN_UNICAST)
    assert (back.get_attr("RTA_GATEWAY"), back.get_attr("RTA_OIF"), back.get_attr("RTA_TABLE")) == ("fd00::1", 3, 254)


def test_a_request_returns_the_kernels_answer_and_a_refusal_raises_pyroute2s_error_with_the_errno(codec):
    from pyroute2.netlink.exceptions import NetlinkError

    with nl.Rtnl(codec["parse"]) as rt:
        (lo,) = rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="lo"))
        assert (lo["index"], lo.get_attr("IFLA_IFNAME")) == (socket.if_nametoindex("lo"), "lo")
        with pytest.raises(NetlinkError) as refused:
            rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="dy-no-such-link"))
        assert refused.value.code == errno.ENODEV
        assert rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="lo"))[0]["index"] == lo["index"]  # still in step


def test_a_dump_reads_every_link_until_done(codec):
    with nl.Rtnl(codec["parse"]) as rt:
        names = {m.get_attr("IFLA_IFNAME") for m in rt.dump(nl.RTM_GETLINK, rtmsg.ifinfo())}
    assert names == {name for _, name in socket.if_nameindex()}


def test_answers_to_an_abandoned_request_are_skipped(codec):
    with nl.Rtnl(codec["parse"]) as rt:
        rt._send(nl.RTM_GETLINK, rtmsg.ifinfo(), nl.NLM_F_DUMP)  # never read: its answers wait in the socket
        (lo,) = rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="lo"))
        assert lo.get_attr("IFLA_IFNAME") == "lo"
        assert rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="lo"))[0].get_attr("IFLA_IFNAME") == "lo"


def test_a_closed_client_reports_closed(codec):
    rt = nl.Rtnl(codec["parse"])
    assert not rt.closed
    rt.close()
    assert rt.closed


def test_threads_each_get_their_own_client_and_work_at_once(codec):
    results: dict[int, set] = {}
    clients: dict[int, nl.Rtnl] = {}

    def work(n: int) -> None:
        rt = nl.host(codec["parse"])
        clients[n] = rt
        results[n] = {rt.request(nl.RTM_GETLINK, rtmsg.ifinfo(name="lo"))[0]["index"] for _ in range(40)}
        assert nl.host(codec["parse"]) is rt

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {n: {socket.if_nametoindex("lo")} for n in range(6)}
    assert len({id(c) for c in clients.values()}) == 6
