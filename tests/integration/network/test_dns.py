"""Service discovery: containers find each other by service name, alias and container name through the responder."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from runtime.network import dnsctl
from runtime.network.spec import NetworkSpec
from tests.support.eventually import eventually

pytestmark = pytest.mark.root


def cid(tag: str) -> str:
    return (tag * 64)[:64]


def attach(net, ns, network, tag, names, **kw):
    ep = net.connect(cid(tag), ns.path, network, aliases=names, **kw)
    ns.write_etc("resolv.conf", net.resolv_conf(network))
    return ep


def test_two_containers_talk_tcp_by_service_name_alias_and_container_name(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    web, db = containers(), containers()
    attach(net, web, "shop_default", "a", ["shop-web-1", "web"])
    db_ep = attach(net, db, "shop_default", "b", ["shop-db-1", "db", "database"])
    db.serve(5432, label="db-server")
    for name in ("db", "database", "shop-db-1", "db.shop_default"):
        assert web.connect(name, 5432) == f"db-server {web_ip(net, 'a', 'shop_default')}", name
    assert web.resolve("db") == {db_ep.ipv4_address}


def web_ip(net, tag, network):
    return next(ep.ipv4_address for ep in net.inspect(network).endpoints if ep.container_id == cid(tag))


def test_every_replica_of_a_service_resolves(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    client, r1, r2 = containers(), containers(), containers()
    attach(net, client, "shop_default", "c", ["shop-client-1", "client"])
    e1 = attach(net, r1, "shop_default", "1", ["shop-web-1", "web"])
    e2 = attach(net, r2, "shop_default", "2", ["shop-web-2", "web"])
    assert client.resolve("web") == {e1.ipv4_address, e2.ipv4_address}
    assert client.resolve("shop-web-2") == {e2.ipv4_address}


def test_a_container_on_two_networks_resolves_names_on_both(net, containers):
    net.create_network(NetworkSpec("shop_front"))
    net.create_network(NetworkSpec("shop_back"))
    api, ui, db = containers(), containers(), containers()
    attach(net, api, "shop_front", "a", ["shop-api-1", "api"])
    net.connect(cid("a"), api.path, "shop_back", aliases=["shop-api-1", "api"])
    e_ui = attach(net, ui, "shop_front", "u", ["shop-ui-1", "ui"])
    e_db = attach(net, db, "shop_back", "d", ["shop-db-1", "db"])
    assert api.resolve("ui") == {e_ui.ipv4_address}
    assert api.resolve("db") == {e_db.ipv4_address}
    assert ui.resolve("db") == set(), "ui shares no network with db"
    assert api.exec(["ip", "-o", "-4", "addr", "show", "eth1"]).stdout.split()[3].startswith(e_db.ipv4_address.rsplit(".", 1)[0])


def test_names_come_and_go_without_restarting_the_responder(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    client, late = containers(), containers()
    attach(net, client, "shop_default", "c", ["shop-client-1", "client"])
    pid = dnsctl.running_pid(net.run)
    assert client.resolve("cache") == set()
    ep = attach(net, late, "shop_default", "e", ["shop-cache-1", "cache"])
    assert eventually(lambda: client.resolve("cache") == {ep.ipv4_address})
    net.disconnect(cid("e"), "shop_default")
    assert eventually(lambda: client.resolve("cache") == set())
    assert dnsctl.running_pid(net.run) == pid


def test_reverse_lookup_gives_the_container_name(net, containers):
    net.create_network(NetworkSpec("shop_default"))
    a, b = containers(), containers()
    attach(net, a, "shop_default", "a", ["shop-web-1", "web"])
    eb = attach(net, b, "shop_default", "b", ["shop-db-1", "db"])
    res = a.python("import socket,sys; print(socket.gethostbyaddr(sys.argv[1])[0])", eb.ipv4_address)
    assert res.stdout.strip() == "shop-db-1"


class Sink:
    """A fake upstream resolver on loopback answering every A query with 192.0.2.123, counting queries."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.77", 0))
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(2048)
            except OSError:
                return
            self.queries += 1
            end = data.index(b"\x00", 12) + 5
            head = data[:2] + b"\x81\x80" + struct.pack("!HHHH", 1, 1, 0, 0)
            answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.123")
            self.sock.sendto(head + data[12:end] + answer, addr)


@pytest.fixture
def sink(monkeypatch):
    s = Sink()
    monkeypatch.setenv("DOCKYARD_DNS_UPSTREAM", f"127.0.0.77:{s.port}")
    yield s
    s.sock.close()


def test_other_names_are_forwarded_upstream_but_never_from_internal_networks(net, containers, sink):
    net.create_network(NetworkSpec("shop_default"))
    net.create_network(NetworkSpec("shop_secret", internal=True))
    out, inside = containers(), containers()
    attach(net, out, "shop_default", "o", ["shop-out-1", "out"])
    attach(net, inside, "shop_secret", "i", ["shop-in-1", "in"])
    assert inside.resolve("example.org") == set()
    assert sink.queries == 0
    assert out.resolve("example.org") == {"192.0.2.123"}
    assert sink.queries >= 1


def test_the_responder_starts_with_the_first_network_and_stops_with_the_last(net):
    assert dnsctl.running_pid(net.run) is None
    a = net.create_network(NetworkSpec("p1_default"))
    b = net.create_network(NetworkSpec("p2_default"))
    pid = dnsctl.running_pid(net.run)
    assert pid and set(dnsctl.status(net.run)["listening"]) == {a.gateway, b.gateway}
    net.remove_network("p1_default")
    assert dnsctl.running_pid(net.run) == pid
    net.remove_network("p2_default")
    assert dnsctl.running_pid(net.run) is None


def test_the_responder_answers_over_udp_and_tcp_on_the_gateway(net, containers):
    from dnslib import DNSRecord

    info = net.create_network(NetworkSpec("shop_default"))
    ep = net.connect(cid("t"), containers().path, "shop_default", aliases=["shop-web-1", "web"])
    for tcp in (False, True):
        reply = DNSRecord.parse(DNSRecord.question("web").send(info.gateway, 53, tcp=tcp, timeout=3))
        assert [str(r.rdata) for r in reply.rr] == [ep.ipv4_address]


def test_a_killed_responder_is_restarted_by_the_next_attach(net, containers):
    import os
    import signal

    net.create_network(NetworkSpec("shop_default"))
    a = containers()
    attach(net, a, "shop_default", "a", ["shop-web-1", "web"])
    os.kill(dnsctl.running_pid(net.run), signal.SIGKILL)
    assert eventually(lambda: dnsctl.running_pid(net.run) is None)
    eb = attach(net, containers(), "shop_default", "b", ["shop-db-1", "db"])
    assert a.resolve("db") == {eb.ipv4_address}
