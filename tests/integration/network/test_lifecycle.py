"""Creating and removing networks: bad input changes nothing, removal leaves nothing, concurrent projects never collide."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest

from runtime.errors import NetworkError
from runtime.network import dnsctl
from runtime.network import service as service_mod
from runtime.network.spec import NetworkSpec, PortSpec
from tests.support import netns as nsup
from tests.support.paths import REPO

pytestmark = pytest.mark.root


def cid(tag: str) -> str:
    return (tag * 64)[:64]


@pytest.fixture
def snapshot(monkeypatch):
    """What this test's networks own on the host (their ids get a test-unique prefix, so links and tables that
    other work creates on the host at the same time do not count)."""
    prefix = secrets.token_hex(3)
    monkeypatch.setattr(service_mod, "_network_id", lambda: (prefix + secrets.token_hex(32))[:64])
    return lambda: nsup.own_links_and_tables(prefix)


def test_network_gets_a_short_bridge_and_keeps_its_human_name(net):
    info = net.create_network(NetworkSpec("a_rather_long_project_name_default", labels=(("k", "v"),)))
    assert len(info.bridge) <= 15 and info.bridge.startswith("dy-")
    assert info.bridge in nsup.dy_links()
    saved = json.loads((net.root / "networks" / "a_rather_long_project_name_default.json").read_text())
    assert (saved["bridge"], saved["subnet"]) == (info.bridge, info.subnet)
    assert [i.name for i in net.list({"k": "v"})] == ["a_rather_long_project_name_default"]


def test_configured_subnet_gateway_and_address_are_used(net, containers):
    spec = NetworkSpec("p_fixed", subnet="10.123.0.0/24", gateway="10.123.0.254", ip_range="10.123.0.16/28", mtu=1400)
    net.create_network(spec)
    c = containers()
    ep = net.connect(cid("f"), c.path, "p_fixed", aliases=["p-x-1"], mac="02:aa:bb:cc:dd:ee")
    assert (ep.ipv4_address, ep.gateway) == ("10.123.0.16", "10.123.0.254")
    link = c.exec(["ip", "link", "show", "eth0"]).stdout
    assert "02:aa:bb:cc:dd:ee" in link and "mtu 1400" in link
    assert "default via 10.123.0.254 dev eth0" in c.exec(["ip", "-4", "route"]).stdout
    ep2 = net.connect(cid("g"), containers().path, "p_fixed", ipv4_address="10.123.0.99")
    assert ep2.ipv4_address == "10.123.0.99"
    bridge_link = json.loads(nsup.run(["ip", "-j", "link", "show", "dev", net.inspect("p_fixed").bridge]).stdout)[0]
    assert bridge_link["address"] == "02:42:0a:7b:00:fe"  # its own, from the gateway: not a port's, which come and go


def test_overlapping_subnet_is_refused_and_nothing_is_created(net, snapshot):
    net.create_network(NetworkSpec("p_one", subnet="10.124.0.0/16"))
    before = snapshot()
    with pytest.raises(NetworkError, match="overlaps 10.124.0.0/16"):
        net.create_network(NetworkSpec("p_two", subnet="10.124.5.0/24"))
    assert snapshot() == before
    assert [i.name for i in net.list()] == ["p_one"]


def test_subnet_overlapping_a_host_route_is_refused(net):
    with pytest.raises(NetworkError, match="overlaps 127.0.0.0/8"):
        net.create_network(NetworkSpec("p_lo", subnet="127.1.0.0/24"))


def test_gateway_outside_subnet_and_long_bridge_name_are_refused(net, snapshot):
    before = snapshot()
    with pytest.raises(NetworkError, match="outside subnet"):
        net.create_network(NetworkSpec("p_gw", subnet="10.125.0.0/24", gateway="10.126.0.1"))
    with pytest.raises(NetworkError, match="longer than 15 bytes"):
        net.create_network(NetworkSpec("p_br", bridge_name="dy-much-too-long-name"))
    assert snapshot() == before and net.list() == []


def test_duplicate_ipv4_address_is_refused_and_no_veth_is_left(net, containers, snapshot):
    net.create_network(NetworkSpec("p_dup", subnet="10.127.0.0/24"))
    net.connect(cid("a"), containers().path, "p_dup", ipv4_address="10.127.0.10")
    before = snapshot()
    c = containers()
    with pytest.raises(NetworkError, match="10.127.0.10 is already in use"):
        net.connect(cid("b"), c.path, "p_dup", ipv4_address="10.127.0.10")
    assert snapshot() == before
    assert "eth0" not in c.exec(["ip", "link"]).stdout


def test_a_network_in_use_is_reported_not_half_removed(net, containers):
    info = net.create_network(NetworkSpec("p_busy"))
    net.connect(cid("a"), containers().path, "p_busy")
    with pytest.raises(NetworkError, match="still in use by containers aaaaaaaaaaaa"):
        net.remove_network("p_busy")
    assert info.bridge in nsup.dy_links() and net.inspect("p_busy").endpoints


def test_after_removal_no_bridge_veth_rule_or_dns_record_remains(net, containers, snapshot):
    before = snapshot()
    info = net.create_network(NetworkSpec("p_gone"))
    c = containers()
    net.connect(cid("a"), c.path, "p_gone", aliases=["p-web-1", "web"])
    net.publish(cid("a"), "p_gone", [PortSpec(80, 0)])
    assert len(snapshot()[0]) == len(before[0]) + 2
    assert net.disconnect(cid("a"), "p_gone")
    assert net.disconnect(cid("a"), "p_gone") is False
    assert net.prune() == ["p_gone"]
    assert snapshot() == before
    assert not (net.root / "networks" / "p_gone.json").exists()
    assert dnsctl.running_pid(net.run) is None
    assert "eth0" not in c.exec(["ip", "link"]).stdout
    assert net.remove_network("p_gone", missing_ok=True) is False


CREATE = """
import sys
from runtime.network.service import NetworkService
from runtime.network.spec import NetworkSpec
print(NetworkService(sys.argv[1], sys.argv[2]).create_network(NetworkSpec("proj_default")).subnet)
"""


def test_concurrent_projects_never_get_the_same_subnet(tmp_path, monkeypatch, restore_forwarding):
    monkeypatch.setenv("DOCKYARD_DNS_UPSTREAM", "none")
    dirs = [(tmp_path / f"r{i}", tmp_path / f"u{i}") for i in range(3)]
    procs = [subprocess.Popen([sys.executable, "-c", CREATE, str(r), str(u)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r, u in dirs]
    try:
        outs = [p.communicate(timeout=60) for p in procs]
        subnets = [o.strip() for o, _ in outs]
        assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
        assert len(set(subnets)) == 3
    finally:
        from runtime.network.service import NetworkService
        for r, u in dirs:
            svc = NetworkService(r, u)
            for info in svc.list():
                svc.remove_network(info.name, missing_ok=True)
            dnsctl.stop(u)


def test_default_route_follows_the_first_network_unless_another_takes_it(net, containers):
    a = net.create_network(NetworkSpec("p_first"))
    b = net.create_network(NetworkSpec("p_second"))
    c = containers()
    net.connect(cid("r"), c.path, "p_first")
    net.connect(cid("r"), c.path, "p_second")
    assert f"default via {a.gateway} dev eth0" in c.exec(["ip", "-4", "route"]).stdout
    d = containers()
    net.connect(cid("s"), d.path, "p_first")
    net.connect(cid("s"), d.path, "p_second", default_route=True)
    assert f"default via {b.gateway} dev eth1" in d.exec(["ip", "-4", "route"]).stdout


def test_an_endpoint_reserved_by_a_killed_process_is_rebuilt_on_the_same_address(net, containers):
    """A CLI killed after reserving the address but before building the veth leaves a record with no links: the
    next connect of that container builds them, on the address it had, instead of returning a dead endpoint."""
    net.create_network(NetworkSpec("p_crash", subnet="10.124.0.0/24"))
    c = containers()
    first = net.connect(cid("k"), c.path, "p_crash")
    subprocess.run(["ip", "link", "del", first.host_veth], check=True)  # as if the links were never built
    again = net.connect(cid("k"), c.path, "p_crash")
    assert again.ipv4_address == first.ipv4_address
    assert "inet " + first.ipv4_address in c.exec(["ip", "-4", "addr", "show", again.interface]).stdout
