"""Published ports: reachable from the host's loopback and from a LAN peer (keeping the peer's address); tcp and udp."""

from __future__ import annotations

import socket

import pytest

from runtime.errors import NetworkError
from runtime.network.spec import NetworkSpec, PortSpec
from tests.support import netns as nsup

pytestmark = pytest.mark.root

LAN_HOST, LAN_PEER = "203.0.113.1", "203.0.113.2"


def cid(tag: str) -> str:
    return (tag * 64)[:64]


@pytest.fixture
def web(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    ns = containers()
    ep = net.connect(cid("w"), ns.path, "shop_default", aliases=["shop-web-1", "web"])
    return ns, ep


def host_connect(host: str, port: int, proto: str = "tcp") -> str:
    res = nsup.run([nsup.sys.executable, "-c", nsup.CLIENT, host, str(port), proto], check=False)
    return res.stdout.strip()


def test_published_tcp_port_answers_on_loopback_and_to_a_lan_peer(net, web):
    ns, ep = web
    ns.serve(80, label="web")
    (p,) = net.publish(cid("w"), "shop_default", [PortSpec(80, 0)])
    assert host_connect("127.0.0.1", p.host_port) == f"web {ep.gateway}"
    with nsup.wired_peer(LAN_HOST, LAN_PEER, route_via_host=False) as peer:
        assert peer.connect(LAN_HOST, p.host_port) == f"web {LAN_PEER}", "the container sees the peer's address"
    assert net.port(cid("w"), 80) == [p]


def test_published_udp_port_answers(net, web):
    ns, ep = web
    ns.serve(53, proto="udp", label="dnsish")
    (p,) = net.publish(cid("w"), "shop_default", [PortSpec(53, 0, "udp")])
    assert host_connect("127.0.0.1", p.host_port, "udp") == f"dnsish {ep.gateway} ping"
    with nsup.wired_peer(LAN_HOST, LAN_PEER, route_via_host=False) as peer:
        assert peer.connect(LAN_HOST, p.host_port, "udp") == f"dnsish {LAN_PEER} ping"


def test_port_bound_to_loopback_is_not_reachable_from_the_lan(net, web):
    ns, _ = web
    ns.serve(80, label="web")
    (p,) = net.publish(cid("w"), "shop_default", [PortSpec(80, 0, "tcp", "127.0.0.1")])
    assert host_connect("127.0.0.1", p.host_port).startswith("web ")
    with nsup.wired_peer(LAN_HOST, LAN_PEER, route_via_host=False) as peer:
        assert peer.connect(LAN_HOST, p.host_port) == ""


def rules_of(net, network: str) -> str:
    """The network's own nft tables (not the whole ruleset: other work on the host has rules too)."""
    table = f"dy-{net.inspect(network).id[:12]}"
    return "".join(nsup.run(["nft", "list", "table", fam, table], check=False).stdout for fam in ("ip", "ip6"))


def test_port_already_taken_on_the_host_is_refused_and_nothing_is_published(net, web):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(NetworkError, match=f"{port}/tcp .*already taken on the host"):
            net.publish(cid("w"), "shop_default", [PortSpec(80, 0), PortSpec(81, port)])
    assert net.inspect("shop_default").endpoints[0].ports == ()
    assert "dnat to" not in rules_of(net, "shop_default")


def test_rules_go_with_the_container(net, web):
    ns, _ = web
    ns.serve(80, label="web")
    (p,) = net.publish(cid("w"), "shop_default", [PortSpec(80, 0)])
    assert "dnat to" in rules_of(net, "shop_default")
    net.disconnect(cid("w"), "shop_default")
    assert "dnat to" not in rules_of(net, "shop_default")
    assert host_connect("127.0.0.1", p.host_port) == ""


def test_a_neighbour_reaches_the_published_port_through_the_gateway(net, web, containers):
    ns, ep = web
    ns.serve(80, label="web")
    (p,) = net.publish(cid("w"), "shop_default", [PortSpec(80, 0)])
    other = containers()
    net.connect(cid("n"), other.path, "shop_default", aliases=["shop-client-1"])
    assert other.connect(ep.gateway, p.host_port) == f"web {ep.gateway}"
