"""Who can reach whom: projects are isolated, internal networks have no way out, others leave masqueraded."""

from __future__ import annotations

import pytest

from runtime.network.spec import NetworkSpec
from tests.support import netns as nsup

pytestmark = pytest.mark.root

OUT_HOST, OUT_PEER = "198.51.100.1", "198.51.100.2"


def cid(tag: str) -> str:
    return (tag * 64)[:64]


def test_two_projects_cannot_reach_each_other(net, containers):
    net.create_network(NetworkSpec("alpha_default"))
    net.create_network(NetworkSpec("beta_default"))
    a, b = containers(), containers()
    net.connect(cid("a"), a.path, "alpha_default", aliases=["alpha-web-1", "web"])
    eb = net.connect(cid("b"), b.path, "beta_default", aliases=["beta-db-1", "db"])
    a.write_etc("resolv.conf", net.resolv_conf("alpha_default"))
    b.serve(5432)
    assert b.connect("127.0.0.1", 5432) != ""
    assert a.connect(eb.ipv4_address, 5432) == ""
    assert a.resolve("db") == set()


def test_internal_network_has_no_way_out(net, containers):
    net.create_network(NetworkSpec("vault_secret", internal=True))
    c = containers()
    ep = net.connect(cid("s"), c.path, "vault_secret", aliases=["vault-db-1", "db"])
    with nsup.wired_peer(OUT_HOST, OUT_PEER) as outside:
        outside.serve(8080)
        assert c.connect(OUT_PEER, 8080) == ""
        routes = c.exec(["ip", "-4", "route"]).stdout
        assert "default" not in routes
        c.exec(["ip", "route", "add", "default", "via", ep.gateway])
        assert c.connect(OUT_PEER, 8080) == "", "even with a route added inside, the host drops it"


def test_outbound_traffic_is_masqueraded_behind_the_host(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    c = containers()
    net.connect(cid("o"), c.path, "shop_default", aliases=["shop-web-1", "web"])
    with nsup.wired_peer(OUT_HOST, OUT_PEER, route_via_host=False) as outside:
        outside.serve(8080, label="outside")
        assert c.connect(OUT_PEER, 8080) == f"outside {OUT_HOST}"
