"""The DNS view of state: names per network, who may see them, reverse names, upstream configuration."""

from __future__ import annotations

from runtime.network import records


def _net(name: str, gw: str, subnet: str, eps: dict, internal: bool = False) -> dict:
    return {"name": name, "gateway": gw, "subnet": subnet, "internal": internal, "endpoints": eps}


A = "a" * 64
B = "b" * 64
C = "c" * 64
STATE = {
    "p_default": _net("p_default", "10.1.0.1", "10.1.0.0/24", {
        A: {"ip": "10.1.0.2", "names": ["p-web-1", "web"]},
        B: {"ip": "10.1.0.3", "names": ["p-web-2", "web"], "dns": ["127.0.0.9:5353"]},
    }),
    "p_back": _net("p_back", "10.2.0.1", "10.2.0.0/24", {
        A: {"ip": "10.2.0.2", "names": ["p-web-1", "web", "api"]},
        C: {"ip": "10.2.0.3", "names": ["p-db-1", "db"]},
    }, internal=True),
    "q_default": _net("q_default", "10.3.0.1", "10.3.0.0/24", {
        "d" * 64: {"ip": "10.3.0.2", "names": ["q-db-1", "db"]},
    }),
}
T = records.build(STATE)


def test_service_name_has_every_replica():
    who = records.asker(T, "10.1.0.1", "10.1.0.3")
    assert records.lookup(T, who, "web") == ("10.1.0.2", "10.1.0.3")


def test_container_name_short_id_and_network_qualified_names_resolve():
    who = records.asker(T, "10.1.0.1", "10.1.0.3")
    assert records.lookup(T, who, "P-WEB-1.") == ("10.1.0.2",)
    assert records.lookup(T, who, A[:12]) == ("10.1.0.2",)
    assert records.lookup(T, who, "web.p_default") == ("10.1.0.2", "10.1.0.3")


def test_a_container_on_two_networks_sees_names_of_both():
    who = records.asker(T, "10.1.0.1", "10.1.0.2")
    assert who.networks == ("p_default", "p_back")
    assert records.lookup(T, who, "db") == ("10.2.0.3",)


def test_names_of_networks_the_asker_does_not_share_are_invisible():
    who = records.asker(T, "10.1.0.1", "10.1.0.3")
    assert records.lookup(T, who, "db") is None
    assert records.lookup(T, who, "q-db-1") is None


def test_the_asked_network_answers_first():
    who = records.asker(T, "10.2.0.1", "10.2.0.2")
    assert records.lookup(T, who, "web") == ("10.2.0.2", "10.1.0.2", "10.1.0.3")


def test_internal_network_never_forwards():
    assert records.asker(T, "10.2.0.1", "10.2.0.3").forward is False
    assert records.asker(T, "10.1.0.1", "10.1.0.2").forward is True


def test_unknown_gateway_is_nobody():
    who = records.asker(T, "127.0.0.1", "127.0.0.1")
    assert who.networks == () and not who.forward


def test_per_container_upstreams_follow_the_asker():
    assert records.asker(T, "10.1.0.1", "10.1.0.3").upstreams == ("127.0.0.9:5353",)


def test_single_labels_and_network_suffixes_are_local():
    who = records.asker(T, "10.1.0.1", "10.1.0.3")
    assert records.is_local_name(T, who, "nosuch")
    assert records.is_local_name(T, who, "x.p_back.")
    assert not records.is_local_name(T, who, "example.org")


def test_reverse_names_give_the_first_name():
    assert records.reverse(T, "3.0.2.10.in-addr.arpa.") == "p-db-1"
    assert records.reverse(T, "9.9.9.10.in-addr.arpa") is None
    assert records.reverse(T, "example.org") is None


def test_upstreams_from_env_text(tmp_path):
    assert records.parse_upstreams("none") == ()
    assert records.parse_upstreams("127.0.0.7:5353, 127.0.0.8") == (("127.0.0.7", 5353), ("127.0.0.8", 53))


def test_upstreams_default_to_resolv_conf(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# x\nnameserver 192.0.2.53\nnameserver fe80::1\nsearch lan\n")
    assert records.parse_upstreams(None, str(conf)) == (("192.0.2.53", 53),)


LINKED = {
    "p_default": _net("p_default", "10.4.0.1", "10.4.0.0/24", {
        A: {"ip": "10.4.0.2", "names": ["p-app-1", "app"], "links": {"Database": "db", "web": "db"}},
        B: {"ip": "10.4.0.3", "names": ["p-other-1", "other"]},
        C: {"ip": "10.4.0.4", "names": ["p-db-1", "db"]},
        "e" * 64: {"ip": "10.4.0.5", "names": ["p-web-1", "web"]},
    }),
}


def test_a_link_alias_resolves_for_the_linking_container_only():
    t = records.build(LINKED)
    linker = records.asker(t, "10.4.0.1", "10.4.0.2")
    other = records.asker(t, "10.4.0.1", "10.4.0.3")
    assert records.lookup(t, linker, "database.") == ("10.4.0.4",)
    assert records.lookup(t, linker, "db") == ("10.4.0.4",)
    assert records.lookup(t, other, "database") is None
    assert records.decide(t, other, "database", records.TYPE_A).rcode == records.NXDOMAIN


def test_a_link_alias_wins_over_a_service_of_the_same_name_for_its_linker():
    t = records.build(LINKED)
    assert records.lookup(t, records.asker(t, "10.4.0.1", "10.4.0.2"), "web") == ("10.4.0.4",)
    assert records.lookup(t, records.asker(t, "10.4.0.1", "10.4.0.3"), "web") == ("10.4.0.5",)


def test_a_link_to_a_name_not_on_the_linkers_networks_is_unknown():
    t = records.build({"p_default": _net("p_default", "10.5.0.1", "10.5.0.0/24", {
        A: {"ip": "10.5.0.2", "names": ["app"], "links": {"database": "db"}}})})
    assert records.lookup(t, records.asker(t, "10.5.0.1", "10.5.0.2"), "database") is None
