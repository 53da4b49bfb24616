"""resolv.conf and /etc/hosts content for containers, and network spec validation (no kernel needed)."""

from __future__ import annotations

import json

import pytest

from runtime.errors import NetworkError
from runtime.network.service import NetworkService
from runtime.network.spec import NetworkSpec

CID = "f" * 64


@pytest.fixture
def svc(tmp_path):
    (tmp_path / "root" / "networks").mkdir(parents=True)
    rec = {"name": "p_default", "id": "1" * 64, "bridge": "dy-111111111111", "subnet": "10.1.0.0/24",
           "gateway": "10.1.0.1", "internal": False, "endpoints": {
               CID: {"ip": "10.1.0.5", "mac": "02:42:0a:01:00:05", "interface": "eth0", "host_veth": "dyx",
                     "names": ["p-web-1", "web"]}}}
    (tmp_path / "root" / "networks" / "p_default.json").write_text(json.dumps(rec))
    return NetworkService(tmp_path / "root", tmp_path / "run")


def test_resolv_conf_points_at_the_gateway_with_search_and_options(svc):
    text = svc.resolv_conf("p_default", dns_search=["corp.example"], dns_opt=["ndots:2", "timeout:1"])
    assert text == "nameserver 10.1.0.1\nsearch corp.example\noptions ndots:2 timeout:1\n"


def test_hosts_has_own_names_and_extra_hosts_with_host_gateway(svc):
    text = svc.hosts_file(CID, ["p-web-1", "web1host"], ["db.local:10.9.9.9", "host.docker.internal:host-gateway"])
    lines = text.splitlines()
    assert "10.1.0.5\tp-web-1 web1host" in lines
    assert "10.9.9.9\tdb.local" in lines
    assert "10.1.0.1\thost.docker.internal" in lines
    assert lines[0] == "127.0.0.1\tlocalhost"


def test_bad_extra_host_is_refused(svc):
    with pytest.raises(NetworkError, match="extra_hosts entry 'nocolon'"):
        svc.hosts_file(CID, ["x"], ["nocolon"])


def test_inspect_reads_state(svc):
    info = svc.inspect("p_default")
    assert (info.bridge, info.endpoints[0].ipv4_address, info.endpoints[0].names) == ("dy-111111111111", "10.1.0.5", ("p-web-1", "web"))
    with pytest.raises(NetworkError, match="no such network"):
        svc.inspect("nope")


@pytest.mark.parametrize("spec, message", [
    (NetworkSpec("bad name"), "invalid name"),
    (NetworkSpec("x" * 129), "invalid name"),
    (NetworkSpec("p_net", driver="overlay"), "driver 'overlay' unsupported"),
    (NetworkSpec("p_net", bridge_name="a-very-long-bridge"), "longer than 15 bytes"),
    (NetworkSpec("p_net", mtu=20), "mtu 20 out of range"),
])
def test_bad_network_specs_are_refused_before_anything_is_made(svc, spec, message):
    with pytest.raises(NetworkError, match=message):
        svc.create_network(spec)
