"""translate: ``volumes_from`` names the source container for the runtime; ``links`` aliases resolve on the
network the two services share (network-wide, unlike Docker's per-container legacy links)."""

from __future__ import annotations

from compose import translate
from tests.support.orchestration import stack


def spec(text: str, service: str = "s", resolve: dict[str, str] | None = None):
    project = stack(text)
    return translate.container_spec(project, project.services[service], 1, resolve=resolve)


def aliases(text: str, service: str) -> dict[str, tuple[str, ...]]:
    return {a.network: a.aliases for a in spec(text, service).networks}


def test_volumes_from_a_service_names_its_first_container_and_keeps_the_mode():
    s = spec("services: {s: {image: x, volumes_from: ['src:ro', 'other']}, src: {image: y}, other: {image: z}}")
    assert s.volumes_from == ("p-src-1:ro", "p-other-1")


def test_volumes_from_a_service_follows_its_container_name():
    s = spec("services: {s: {image: x, volumes_from: [src]}, src: {image: y, container_name: store}}")
    assert s.volumes_from == ("store",)


def test_volumes_from_a_service_uses_the_observed_container():
    s = spec("services: {s: {image: x, volumes_from: ['src:rw']}, src: {image: y}}", resolve={"src": "p-src-3"})
    assert s.volumes_from == ("p-src-3:rw",)


def test_volumes_from_a_container_passes_its_name_through():
    s = spec("services: {s: {image: x, volumes_from: ['container:legacy:ro', 'container:plain']}}")
    assert s.volumes_from == ("legacy:ro", "plain")


def test_no_volumes_from_is_empty():
    assert spec("services: {s: {image: x}}").volumes_from == ()


def test_a_link_alias_becomes_an_alias_of_the_target_on_the_shared_network():
    text = "services: {s: {image: x, links: ['db:linkeddb']}, db: {image: y}}"
    assert "linkeddb" in aliases(text, "db")["p_default"]
    assert "linkeddb" not in aliases(text, "s")["p_default"]


def test_a_link_without_alias_adds_nothing_beyond_the_service_name():
    text = "services: {s: {image: x, links: [db]}, db: {image: y}}"
    assert aliases(text, "db")["p_default"] == ("db", "p-db-1")


def test_a_link_alias_is_only_added_on_networks_the_linking_service_shares():
    text = ("services: {s: {image: x, links: ['db:linkeddb'], networks: [front]}, db: {image: y, networks: [front, back]}}\n"
            "networks: {front: {}, back: {}}")
    by_net = aliases(text, "db")
    assert "linkeddb" in by_net["p_front"] and "linkeddb" not in by_net["p_back"]
