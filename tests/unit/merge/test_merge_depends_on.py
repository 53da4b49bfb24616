"""depends_on, networks and models of a service merge as mappings whichever syntax each side uses."""

from tests.support.merge_yaml import merged


def test_depends_on_list_becomes_a_mapping_with_the_default_condition():
    got = merged("services: {t: {depends_on: [db]}}",
                 "services: {t: {depends_on: {cache: {condition: service_healthy}}}}")
    assert got["services"]["t"]["depends_on"] == {
        "db": {"condition": "service_started", "required": True},
        "cache": {"condition": "service_healthy"},
    }


def test_depends_on_condition_of_the_override_wins():
    got = merged("services: {t: {depends_on: {db: {condition: service_healthy, restart: true}}}}",
                 "services: {t: {depends_on: {db: {condition: service_started}}}}")
    assert got["services"]["t"]["depends_on"] == {"db": {"condition": "service_started", "restart": True}}


def test_networks_list_and_mapping_merge_by_name():
    got = merged("services: {t: {networks: [front, back]}}",
                 "services: {t: {networks: {back: {aliases: [db]}, extra: null}}}")
    assert got["services"]["t"]["networks"] == {"front": None, "back": {"aliases": ["db"]}, "extra": None}


def test_network_aliases_are_unique():
    got = merged("services: {t: {networks: {n: {aliases: [a, b]}}}}",
                 "services: {t: {networks: {n: {aliases: [b, c]}}}}")
    assert got["services"]["t"]["networks"]["n"]["aliases"] == ["a", "b", "c"]


def test_models_short_and_long_syntax_merge_by_name():
    got = merged("services: {t: {models: [llm]}}", "services: {t: {models: {vision: {endpoint_var: V}}}}")
    assert got["services"]["t"]["models"] == {"llm": None, "vision": {"endpoint_var": "V"}}


def test_a_null_override_keeps_the_base_entries_in_mapping_form():
    got = merged("services: {t: {networks: [runtime], depends_on: [db]}}",
                 "services: {t: {networks: null, depends_on: null}}")
    assert got["services"]["t"]["networks"] == {"runtime": None}
    assert got["services"]["t"]["depends_on"] == {"db": {"condition": "service_started", "required": True}}


def test_a_null_base_takes_the_override_entries():
    got = merged("services: {t: {models: null}}", "services: {t: {models: [llm]}}")
    assert got["services"]["t"]["models"] == {"llm": None}
