"""!reset removes what the base had; !override replaces it; no tag survives the merge."""

from compose.loader.document import Override, Reset
from compose.loader.merge import merge, resolve_tags
from tests.support.merge_yaml import merged, read_one


def test_reset_removes_the_base_value():
    got = merged("services: {foo: {image: foo, build: {context: .}, ports: ['80:80']}}",
                 "services:\n  foo:\n    build: !reset\n    ports: !reset []\n")
    assert got == {"services": {"foo": {"image": "foo"}}}


def test_reset_of_a_key_inside_a_mapping():
    got = merged("services: {foo: {environment: {FOO: BAR, KEEP: x}}}",
                 "services:\n  foo:\n    environment:\n      FOO: !reset\n")
    assert got["services"]["foo"]["environment"] == ["KEEP=x"]


def test_override_replaces_instead_of_merging():
    got = merged("services: {foo: {ports: ['80:80'], environment: {A: '1'}}}",
                 "services:\n  foo:\n    ports: !override ['81:81']\n    environment: !override {B: '2'}\n")
    assert got["services"]["foo"] == {"ports": ["81:81"], "environment": {"B": "2"}}


def test_override_of_a_key_the_base_lacks_is_just_added():
    got = merged("services: {foo: {image: a}}", "services:\n  foo:\n    volumes: !override [a:/a]\n")
    assert got["services"]["foo"]["volumes"] == ["a:/a"]


def test_reset_in_a_single_document_removes_the_key():
    doc = read_one("services:\n  foo:\n    image: a\n    build: !reset\n    dns: [1.1.1.1, !reset 2.2.2.2]\n")
    data, marks = resolve_tags(doc.data, doc.marks)
    assert data == {"services": {"foo": {"image": "a", "dns": ["1.1.1.1"]}}}


def test_no_wrapper_remains_after_merge():
    b = read_one("services: {foo: {image: a, labels: !override {x: '1'}}}")
    o = read_one("services:\n  foo:\n    command: !override [a]\n    user: !reset\n")
    got, _ = merge(b.data, o.data, b.marks, o.marks)

    def walk(node):
        assert not isinstance(node, (Reset, Override))
        if isinstance(node, dict):
            [walk(v) for v in node.values()]
        if isinstance(node, list):
            [walk(v) for v in node]

    walk(got)
    assert got == {"services": {"foo": {"image": "a", "labels": {"x": "1"}, "command": ["a"]}}}


def test_reset_of_keys_the_base_holds_as_key_value_list():
    from tests.support.merge_yaml import read_one

    base = read_one("services: {foo: {image: foo, environment: {FOO: BAR, KEEP: ME}, labels: {a: '1'}}}", "b.yml")
    extra = read_one("services: {foo: {environment: [ANOTHER=BAR, PASSTHROUGH], labels: {b: '2'}}}", "e.yml")
    over = read_one("services:\n  foo:\n    environment:\n      FOO: !reset\n      ANOTHER: !reset\n"
                    "      PASSTHROUGH: !reset\n    labels:\n      a: !reset\n", "o.yml")
    data, marks = merge(base.data, extra.data, base.marks, extra.marks)
    data, marks = merge(data, over.data, marks, over.marks)
    assert data["services"]["foo"]["environment"] == ["KEEP=ME"]
    assert data["services"]["foo"]["labels"] == ["b=2"]
    assert str(marks[("services", "foo", "environment", 0)]).startswith("b.yml:")


def test_a_whole_service_can_be_reset_or_replaced():
    got = merged("services: {a: {image: a, user: u}, b: {image: b, user: u}, c: {image: c}}",
                 "services:\n  a: !reset\n  b: !override {image: b2}\n")
    assert got == {"services": {"b": {"image": "b2"}, "c": {"image": "c"}}}
