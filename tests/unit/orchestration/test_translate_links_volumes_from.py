"""translate: ``volumes_from`` names the source container for the runtime; a ``links`` alias is the linking
container's own (as Docker's legacy links are), resolved as the linked service's name."""

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


def links(text: str, service: str) -> dict[str, tuple[tuple[str, str], ...]]:
    return {a.network: a.links for a in spec(text, service).networks}


def test_a_link_alias_is_the_linking_containers_own_not_an_alias_of_the_target():
    text = "services: {s: {image: x, links: ['db:linkeddb', 'cache:db2']}, db: {image: y}, cache: {image: z}}"
    assert links(text, "s") == {"p_default": (("linkeddb", "db"), ("db2", "cache"))}
    assert aliases(text, "db")["p_default"] == ("db", "p-db-1")  # nobody else resolves linkeddb
    assert links(text, "db") == {"p_default": ()}


def test_a_link_without_alias_or_to_its_own_name_adds_nothing():
    text = "services: {s: {image: x, links: [db, 'db:db']}, db: {image: y}}"
    assert links(text, "s") == {"p_default": ()}
    assert aliases(text, "db")["p_default"] == ("db", "p-db-1")


def test_a_link_alias_goes_with_every_network_of_the_linking_service():
    """The alias resolves wherever the target's name does for the linker: on any network they share."""
    text = ("services: {s: {image: x, links: ['db:linkeddb'], networks: [front, back]}, db: {image: y, networks: [back]}}\n"
            "networks: {front: {}, back: {}}")
    assert links(text, "s") == {"p_front": (("linkeddb", "db"),), "p_back": (("linkeddb", "db"),)}


def test_changing_links_changes_the_linking_service_only():
    before = "services: {s: {image: x, links: ['db:a']}, db: {image: y}}"
    after = "services: {s: {image: x, links: ['db:b']}, db: {image: y}}"
    assert spec(before, "s") != spec(after, "s")
    assert spec(before, "db") == spec(after, "db")
