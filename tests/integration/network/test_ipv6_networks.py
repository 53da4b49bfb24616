"""IPv6 networks: dual-stack addresses, AAAA names, isolation and NAT66 for ip6 too, clean removal."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from runtime.errors import NetworkError
from runtime.network import dnsctl
from runtime.network.spec import NetworkSpec, PortSpec
from tests.support import netns as nsup

pytestmark = pytest.mark.root

OUT_HOST6, OUT_PEER6 = "fd9d:5e1f:1::1", "fd9d:5e1f:1::2"


def cid(tag: str) -> str:
    return (tag * 64)[:64]


def attach(net, ns, network, tag, names, **kw):
    ep = net.connect(cid(tag), ns.path, network, aliases=names, **kw)
    ns.write_etc("resolv.conf", net.resolv_conf(network))
    return ep


def test_two_containers_talk_tcp_over_ipv6_by_name(net, containers):
    info = net.create_network(NetworkSpec("six_default", enable_ipv6=True))
    assert info.enable_ipv6 and ipaddress.IPv6Network(info.subnet6).subnet_of(ipaddress.IPv6Network("fd00::/8"))
    web, db = containers(), containers()
    e_web = attach(net, web, "six_default", "a", ["six-web-1", "web"])
    e_db = attach(net, db, "six_default", "b", ["six-db-1", "db", "database"])
    assert ipaddress.IPv6Address(e_db.ipv6_address) in ipaddress.IPv6Network(info.subnet6)
    assert e_db.gateway6 == info.gateway6
    db.serve(5432, label="db-server", family=6)
    for name in ("db", "database", "six-db-1", "db.six_default"):
        assert web.connect(name, 5432, family=6) == f"db-server {e_web.ipv6_address}", name
    assert web.resolve("db", family=6) == {e_db.ipv6_address}
    assert web.resolve("db") == {e_db.ipv4_address}, "A records stay as they were"


def test_the_ipv6_gateway_answers_dns_over_udp_and_tcp(net, containers):
    info = net.create_network(NetworkSpec("six_default", enable_ipv6=True))
    c = containers()
    ep = attach(net, c, "six_default", "a", ["six-web-1", "web"])
    c.write_etc("resolv.conf", f"nameserver {info.gateway6}\noptions use-vc\n")
    assert c.resolve("web", family=6) == {ep.ipv6_address}, "TCP"
    c.write_etc("resolv.conf", f"nameserver {info.gateway6}\n")
    assert c.resolve("six-web-1", family=6) == {ep.ipv6_address}, "UDP"
    ptr = c.exec(["getent", "hosts", ep.ipv6_address], check=False).stdout.split()
    assert ptr[1:2] == ["six-web-1"]


def test_names_on_an_ipv4_only_network_have_no_aaaa(net, containers):
    net.create_network(NetworkSpec("four_default"))
    a, b = containers(), containers()
    attach(net, a, "four_default", "a", ["four-a-1", "a"])
    eb = attach(net, b, "four_default", "b", ["four-b-1", "b"])
    assert eb.ipv6_address is None
    assert a.resolve("b") == {eb.ipv4_address}
    assert a.resolve("b", family=6) == set()
    assert "inet6" not in a.exec(["ip", "-6", "addr", "show", "eth0", "scope", "global"]).stdout
    with pytest.raises(NetworkError, match="ipv6_address fd00::9 given but the network has no IPv6"):
        net.connect(cid("x"), containers().path, "four_default", ipv6_address="fd00::9")
    assert [ep.container_id for ep in net.inspect("four_default").endpoints] == [cid("a"), cid("b")]


def test_two_ipv6_networks_cannot_reach_each_other(net, containers):
    i1 = net.create_network(NetworkSpec("alpha_default", enable_ipv6=True))
    i2 = net.create_network(NetworkSpec("beta_default", enable_ipv6=True))
    assert not ipaddress.IPv6Network(i1.subnet6).overlaps(ipaddress.IPv6Network(i2.subnet6))
    a, b = containers(), containers()
    attach(net, a, "alpha_default", "a", ["alpha-web-1", "web"])
    eb = attach(net, b, "beta_default", "b", ["beta-db-1", "db"])
    b.serve(5432, family=6)
    assert b.connect("::1", 5432, family=6) != ""
    assert a.connect(eb.ipv6_address, 5432, family=6) == ""
    assert a.resolve("db", family=6) == set()


def test_internal_ipv6_network_has_no_way_out(net, containers):
    net.create_network(NetworkSpec("vault_secret", internal=True, enable_ipv6=True))
    c = containers()
    ep = attach(net, c, "vault_secret", "s", ["vault-db-1", "db"])
    with nsup.wired_peer6(OUT_HOST6, OUT_PEER6) as outside:
        outside.serve(8080, family=6)
        assert "default" not in c.exec(["ip", "-6", "route"]).stdout
        c.exec(["ip", "-6", "route", "add", "default", "via", ep.gateway6])
        assert c.connect(OUT_PEER6, 8080, family=6) == "", "even with a route added inside, the host drops it"


def test_outbound_ipv6_is_masqueraded_behind_the_host(net, containers):
    net.create_network(NetworkSpec("shop_default", enable_ipv6=True))
    c = containers()
    attach(net, c, "shop_default", "o", ["shop-web-1", "web"])
    with nsup.wired_peer6(OUT_HOST6, OUT_PEER6, route_via_host=False) as outside:
        outside.serve(8080, label="outside", family=6)
        assert c.connect(OUT_PEER6, 8080, family=6) == f"outside {OUT_HOST6}"


def test_configured_ipv6_subnet_gateway_and_address_are_used(net, containers):
    info = net.create_network(NetworkSpec("cfg_default", enable_ipv6=True, subnet6="fd42:1:2:3::/64",
                                          gateway6="fd42:1:2:3::fe"))
    assert (info.subnet6, info.gateway6) == ("fd42:1:2:3::/64", "fd42:1:2:3::fe")
    c = containers()
    ep = attach(net, c, "cfg_default", "a", ["cfg-a-1", "a"], ipv6_address="fd42:1:2:3::42")
    assert ep.ipv6_address == "fd42:1:2:3::42"
    addrs = c.exec(["ip", "-6", "-o", "addr", "show", "eth0", "scope", "global"]).stdout
    assert "fd42:1:2:3::42/64" in addrs and "tentative" not in addrs
    assert "default via fd42:1:2:3::fe" in c.exec(["ip", "-6", "route"]).stdout
    assert "fd42:1:2:3::42\tcfg-a-1\n" in net.hosts_file(cid("a"), ["cfg-a-1"])
    with pytest.raises(NetworkError, match="overlaps"):
        net.create_network(NetworkSpec("cfg_other", enable_ipv6=True, subnet6="fd42:1:2::/48"))


def test_removing_an_ipv6_network_leaves_nothing(net, containers, dockyard_dirs):
    root, run = dockyard_dirs
    info = net.create_network(NetworkSpec("gone_default", enable_ipv6=True))
    c = containers()
    ep = attach(net, c, "gone_default", "g", ["gone-web-1", "web"])
    assert info.gateway6 in dnsctl.status(run)["listening"]
    tables_before = nsup.run(["nft", "list", "tables"]).stdout
    assert f"table ip6 dy-{info.id[:12]}" in tables_before
    net.disconnect(cid("g"), "gone_default")
    net.remove_network("gone_default")
    assert info.bridge not in nsup.dy_links() and ep.host_veth not in nsup.dy_links()
    assert f"dy-{info.id[:12]}" not in nsup.run(["nft", "list", "tables"]).stdout
    assert not (root / "networks" / "gone_default.json").exists()
    assert info.gateway6 not in nsup.run(["ip", "-6", "addr"]).stdout
    assert dnsctl.running_pid(run) is None


def test_a_port_published_on_all_addresses_answers_on_the_hosts_ipv6_address(net, containers):
    net.create_network(NetworkSpec("pub_default", enable_ipv6=True))
    c = containers()
    attach(net, c, "pub_default", "w", ["pub-web-1", "web"])
    c.serve(80, label="web", family=6)
    (port,) = net.publish(cid("w"), "pub_default", [PortSpec(80, 0)])
    with nsup.wired_peer6(OUT_HOST6, OUT_PEER6, route_via_host=False) as peer:
        assert peer.connect(OUT_HOST6, port.host_port, family=6) == f"web {OUT_PEER6}", "peer keeps its address"
        with socket.create_connection((OUT_HOST6, port.host_port), timeout=3) as s:
            assert s.recv(100).decode().startswith("web "), "from the host itself"
