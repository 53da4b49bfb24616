"""Reading compose YAML: scalars as Docker Compose (yaml.v3) reads them, anchors and merges, tags, marks, errors."""

from __future__ import annotations

import math
import textwrap

import pytest

from compose.errors import ParseError
from compose.loader.document import Mark, Override, Reset
from compose.loader.files import read_yaml, scalar_value


def read(text: str) -> object:
    docs = read_yaml(textwrap.dedent(text), "compose.yaml")
    assert len(docs) == 1
    return docs[0].data


def value(scalar: str) -> object:
    return read(f"v: {scalar}\n")["v"]


def parse_error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        read_yaml(textwrap.dedent(text), "compose.yaml")
    return info.value


# ----------------------------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N"])
def test_yaml_1_1_booleans_stay_strings(text):
    assert value(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False)],
)
def test_core_booleans(text, expected):
    assert value(text) is expected


@pytest.mark.parametrize("text", ["~", "null", "Null", "NULL", ""])
def test_nulls(text):
    assert value(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-42", -42),
        ("+12", 12),
        ("1_000", 1000),
        ("0x1F", 31),
        ("-0x10", -16),
        ("0o17", 15),
        ("0b101", 5),
        ("9223372036854775807", 9223372036854775807),
        ("18446744073709551615", 18446744073709551615),
    ],
)
def test_integers(text, expected):
    result = value(text)
    assert type(result) is int and result == expected


def test_leading_zero_is_octal_as_in_yaml_v3_so_file_modes_mean_what_users_mean():
    assert value("0440") == 0o440
    assert value("010") == 8


def test_leading_zero_with_non_octal_digits_is_a_float_as_in_yaml_v3():
    assert value("08") == 8.0 and isinstance(value("08"), float)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5", 1.5), (".5", 0.5), ("-1.5", -1.5), ("1e3", 1000.0), ("1.", 1.0), ("1_000.5", 1000.5)],
)
def test_floats(text, expected):
    result = value(text)
    assert isinstance(result, float) and result == expected


def test_special_floats():
    assert value(".inf") == math.inf
    assert value("-.Inf") == -math.inf
    assert math.isnan(value(".NaN"))


@pytest.mark.parametrize("text", ["1:20", "80:80", "1:20:30", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "1e400"])
def test_no_base_60_and_no_timestamps(text):
    assert value(text) == text


@pytest.mark.parametrize("text", ["0x", "1.2.3", "12abc", "-x", "+", ".", "0o8", "=", "<<x", "0b2"])
def test_number_lookalikes_are_strings(text):
    assert value(text) == text


def test_quoted_scalars_are_strings():
    data = read("""\
        a: "123"
        b: 'true'
        c: "null"
        d: ''
    """)
    assert data == {"a": "123", "b": "true", "c": "null", "d": ""}


def test_core_tags_force_a_type():
    data = read("""\
        a: !!str 123
        b: !!int "12"
        c: !!float 3
        d: !!bool "true"
        e: !!null ""
    """)
    assert data == {"a": "123", "b": 12, "c": 3.0, "d": True, "e": None}
    assert type(data["c"]) is float


def test_a_core_tag_that_does_not_fit_is_an_error():
    error = parse_error("a: !!int abc\n")
    assert error.mark == Mark("compose.yaml", 1, 4)
    assert "abc" in str(error)


def test_scalar_value_is_the_same_resolution_for_callers():
    assert scalar_value("0o17") == 15
    assert scalar_value("on") == "on"


def test_block_strings():
    data = read("""\
        literal: |
          line one
          line two
        folded: >-
          one
          two
    """)
    assert data == {"literal": "line one\nline two\n", "folded": "one two"}


# ----------------------------------------------------------------------------------------------- structure


def test_multiple_documents_each_with_their_own_marks():
    docs = read_yaml("a: 1\n---\nb: 2\n", "compose.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert docs[1].marks[("b",)] == Mark("compose.yaml", 3, 4)


def test_a_file_without_documents_gives_none():
    assert read_yaml("# just a comment\n", "compose.yaml") == []


def test_key_order_is_kept():
    assert list(read("b: 1\na: 2\nc: 3\n")) == ["b", "a", "c"]


def test_aliases_are_independent_copies():
    data = read("""\
        x-env: &env
          A: "1"
        services:
          one: {environment: *env}
          two: {environment: *env}
    """)
    one, two = data["services"]["one"]["environment"], data["services"]["two"]["environment"]
    assert one == two == {"A": "1"}
    one["B"] = "2"
    assert two == {"A": "1"}


def test_merge_key_explicit_keys_win():
    data = read("""\
        x-base: &base
          image: busybox
          restart: always
        services:
          web:
            <<: *base
            image: nginx
    """)
    assert data["services"]["web"] == {"image": "nginx", "restart": "always"}


def test_merge_key_with_a_list_earlier_maps_win():
    data = read("""\
        x-a: &a {image: a, user: a}
        x-b: &b {image: b, tty: true}
        web:
          <<: [*a, *b]
    """)
    assert data["web"] == {"image": "a", "user": "a", "tty": True}


def test_merged_values_are_marked_where_they_are_written():
    doc = read_yaml("x: &x\n  image: a\nweb:\n  <<: *x\n  user: b\n", "compose.yaml")[0]
    assert doc.marks[("web", "image")] == Mark("compose.yaml", 2, 10)
    assert doc.marks[("web", "user")] == Mark("compose.yaml", 5, 9)


def test_merge_of_a_scalar_is_an_error():
    error = parse_error("x: &x 1\nweb:\n  <<: *x\n")
    assert "merge" in error.message


def test_reset_and_override_tags_wrap_their_values():
    data = read("""\
        services:
          web:
            ports: !reset []
            command: !reset
            environment: !override
              A: "1"
            image: !reset null
    """)
    web = data["services"]["web"]
    assert web["ports"] == Reset([])
    assert web["command"] == Reset(None)
    assert web["environment"] == Override({"A": "1"})
    assert web["image"] == Reset(None)


def test_unknown_tags_are_errors():
    error = parse_error("a: !custom value\n")
    assert "!custom" in error.message
    assert "!reset" in error.hint


# ----------------------------------------------------------------------------------------------- keys


def test_duplicate_keys_are_rejected_naming_both_lines():
    error = parse_error("""\
        services:
          foo:
            command: hello
            command: !reset hello world
    """)
    assert error.mark == Mark("compose.yaml", 4, 5)
    assert 'mapping key "command" already defined at line 3' in str(error)
    assert error.path == "services.foo.command"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("123:\n  foo: {image: busybox}\n", "top level"),
        ("services:\n  123: {image: busybox}\n", "services"),
        ("services:\n  web:\n    environment:\n      1: FOO\n", "services.web.environment"),
        ("x:\n  true: 1\n", "x"),
        ("x:\n  ~: 1\n", "x"),
    ],
)
def test_non_string_keys_are_rejected_as_compose_does(text, where):
    error = parse_error(text)
    assert "non-string key" in error.message and where in error.message
    assert error.mark is not None


def test_keys_that_only_look_like_yaml_1_1_values_are_strings():
    assert read("on: 1\nyes: 2\n'123': 3\n") == {"on": 1, "yes": 2, "123": 3}


# ----------------------------------------------------------------------------------------------- marks


def test_marks_point_at_scalar_values_and_at_keys_of_block_collections():
    doc = read_yaml("services:\n  web:\n    image: nginx\n    ports: ['80:80']\n    command:\n", "compose.yaml")[0]
    marks = doc.marks
    assert marks[()] == Mark("compose.yaml", 1, 1)
    assert marks[("services",)] == Mark("compose.yaml", 1, 1)
    assert marks[("services", "web")] == Mark("compose.yaml", 2, 3)
    assert marks[("services", "web", "image")] == Mark("compose.yaml", 3, 12)
    assert marks[("services", "web", "ports")] == Mark("compose.yaml", 4, 12)
    assert marks[("services", "web", "ports", 0)] == Mark("compose.yaml", 4, 13)
    assert marks[("services", "web", "command")] == Mark("compose.yaml", 5, 5)


def test_marks_of_block_sequence_items():
    doc = read_yaml("ports:\n  - 80:80\n  - target: 81\n", "compose.yaml")[0]
    assert doc.marks[("ports", 0)] == Mark("compose.yaml", 2, 5)
    assert doc.marks[("ports", 1, "target")] == Mark("compose.yaml", 3, 13)


# ----------------------------------------------------------------------------------------------- errors


def test_syntax_errors_carry_file_line_column_and_a_hint():
    error = parse_error("services:\n  web:\n    image: [nginx\n")
    assert error.mark is not None and error.mark.file == "compose.yaml"
    assert str(error).startswith("compose.yaml:")
    assert error.hint


def test_tabs_get_a_specific_hint():
    error = parse_error("a: b\n\tc: d\n")
    assert "tab" in error.hint


def test_undefined_alias_is_a_parse_error_naming_it():
    error = parse_error("a: *nope\n")
    assert error.mark == Mark("compose.yaml", 1, 4)
    assert "*nope" in error.message and "&" in error.hint


def test_an_unquoted_colon_space_in_a_value_hints_at_quoting():
    error = parse_error("services:\n  web:\n    command: echo a: b\n")
    assert error.mark.line == 3
    assert "quote" in error.hint


def test_control_characters_are_a_parse_error_with_position():
    error = parse_error("a: 'x\x01'\n")
    assert error.mark == Mark("compose.yaml", 1, 6)


def test_recursive_alias_is_rejected():
    error = parse_error("a: &a [*a]\n")
    assert "contains it" in error.message


def test_billion_laughs_is_rejected():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    error = parse_error("\n".join(lines) + "\n")
    assert "excessive aliasing" in error.message


def test_reasonable_alias_reuse_is_fine():
    services = "\n".join(f"  s{i}:\n    <<: *base\n    image: img{i}" for i in range(200))
    data = read("x-base: &base\n  restart: always\n  environment: {A: '1', B: '2'}\nservices:\n" + services + "\n")
    assert len(data["services"]) == 200
    assert data["services"]["s199"]["environment"] == {"A": "1", "B": "2"}


def test_deep_nesting_is_a_parse_error_not_a_crash():
    with pytest.raises(ParseError):
        read_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n", "compose.yaml")


def test_a_500_service_file_reads():
    body = "".join(
        f"  svc{i}:\n    image: nginx\n    ports: ['80{i}:80']\n    environment:\n      A: '1'\n"
        f"    healthcheck:\n      test: [CMD, 'true']\n      interval: 10s\n"
        for i in range(500)
    )
    doc = read_yaml("services:\n" + body, "compose.yaml")[0]
    assert len(doc.data["services"]) == 500
    assert doc.marks[("services", "svc499", "healthcheck", "interval")].line == 2 + 499 * 8 + 7
