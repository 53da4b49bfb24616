"""environment, labels, annotations, build args, sysctls...: merged by key whatever syntax each side uses.

Like compose-go, the merged result is the list syntax (``KEY=VALUE``, ``KEY`` for null); a mapping side is listed
in key order; the later definition of a key replaces the earlier one in place.
"""

import pytest

from tests.support.merge_yaml import merged


def env(base: str, over: str) -> list:
    return merged(f"services: {{t: {{environment: {base}}}}}", f"services: {{t: {{environment: {over}}}}}")[
        "services"
    ]["t"]["environment"]


def test_map_onto_map_gives_a_sorted_list_per_side():
    assert env("{FOO: BAR}", "{QIX: ZOT, EMPTY: '', NIL: null}") == ["FOO=BAR", "EMPTY=", "NIL", "QIX=ZOT"]


def test_list_onto_map_is_merged_by_key():
    assert env("{FOO: BAR, KEEP: x}", "[FOO=NEW]") == ["FOO=NEW", "KEEP=x"]


def test_map_onto_list_is_merged_by_key():
    assert env("[A=1, B=2]", "{A: 3}") == ["A=3", "B=2"]


def test_bare_key_replaces_the_valued_one():
    assert env("[A=1]", "[A]") == ["A"]


SCALARS = [(1, "A=1"), ("true", "A=true"), (1.5, "A=1.5"), ("2.0", "A=2"), ("1e6", "A=1e+06"), ("0.00001", "A=1e-05")]


@pytest.mark.parametrize("value,text", SCALARS)
def test_scalars_are_printed_like_compose_go(value, text):
    assert env("{B: b}", f"{{A: {value}}}") == ["B=b", text]


@pytest.mark.parametrize("attr", ["labels", "annotations", "sysctls"])
def test_other_key_value_attributes(attr):
    got = merged(f"services: {{t: {{{attr}: {{a: '1', b: '2'}}}}}}", f"services: {{t: {{{attr}: [a=3]}}}}")
    assert got["services"]["t"][attr] == ["a=3", "b=2"]


def test_build_args_and_additional_contexts():
    got = merged(
        "services: {t: {build: {context: ., args: {FOO: BAR}, additional_contexts: {src: /a}}}}",
        "services: {t: {build: {args: [FOO=BAZ, N], additional_contexts: [other=/b]}}}",
    )
    build = got["services"]["t"]["build"]
    assert build["args"] == ["FOO=BAZ", "N"]
    assert build["additional_contexts"] == ["src=/a", "other=/b"]


def test_network_and_volume_labels():
    got = merged("networks: {n: {labels: {a: '1'}}}\nvolumes: {v: {labels: [b=2]}}",
                 "networks: {n: {labels: [a=9]}}\nvolumes: {v: {labels: {c: '3'}}}")
    assert got["networks"]["n"]["labels"] == ["a=9"]
    assert got["volumes"]["v"]["labels"] == ["b=2", "c=3"]


def test_a_key_value_attribute_only_in_one_file_keeps_its_syntax():
    got = merged("services: {t: {image: x}}", "services: {t: {environment: {A: '1'}}}")
    assert got["services"]["t"]["environment"] == {"A": "1"}
