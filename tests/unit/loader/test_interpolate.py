"""``${VAR}`` substitution: the syntax, compose-go's edge behaviour, and interpolation of loaded documents.

The full compose-go case table runs in tests/corpus/test_compose_go_cases.py; these are the rules as a specification.
"""

from __future__ import annotations

import pytest

from compose.errors import InterpolationError
from compose.loader.document import Mark, Override, Reset
from compose.loader.files import read_yaml
from compose.loader.interpolate import interpolate, substitute

ENV = {"TAG": "1.25", "EMPTY": "", "NAME": "web"}


def sub(template: str, env: dict[str, str] = ENV) -> str:
    return substitute(template, env.get)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("nginx:$TAG", "nginx:1.25"),
        ("nginx:${TAG}", "nginx:1.25"),
        ("$NAME-1", "web-1"),
        ("${NAME}_1", "web_1"),
        ("$NAME_1", ""),  # the name runs as far as name characters go
        ("no variables", "no variables"),
    ],
)
def test_plain_references(template, expected):
    assert sub(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${MISSING:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${TAG:-d}", "1.25"),
        ("${MISSING-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${MISSING:+alt}", ""),
        ("${EMPTY:+alt}", ""),
        ("${TAG:+alt}", "alt"),
        ("${MISSING+alt}", ""),
        ("${EMPTY+alt}", "alt"),
    ],
)
def test_default_and_alternative_operators(template, expected):
    assert sub(template) == expected


def test_nested_defaults():
    assert sub("${A:-${B:-x}}") == "x"
    assert sub("${A:-${TAG:-x}}") == "1.25"
    assert sub("${A:-pre-${NAME}-post}") == "pre-web-post"


def test_operands_may_hold_braces():
    assert sub('${MISSING:-{"a":1}}') == '{"a":1}'
    assert sub('${TAG:-{"a":1}}') == "1.25"


def test_dollar_dollar_is_a_literal_dollar():
    assert sub("$$TAG and $${TAG}") == "$TAG and ${TAG}"


@pytest.mark.parametrize("template", ["a $ b", "cost: 5$", "$}", "$1", "^x$"])
def test_a_dollar_that_starts_nothing_stays(template):
    assert sub(template) == template


@pytest.mark.parametrize("template", ["${", "${}", "${ TAG}", "${TAG }", "${TAG!}", "${TAG:x}", "${1A}"])
def test_invalid_expressions_are_errors(template):
    with pytest.raises(InterpolationError) as info:
        sub(template)
    assert "Invalid template" in info.value.message
    assert info.value.hint


def test_required_variables():
    with pytest.raises(InterpolationError) as info:
        sub("${MISSING:?set it please}")
    assert info.value.message == "required variable MISSING is missing a value: set it please"
    with pytest.raises(InterpolationError):
        sub("${EMPTY:?}")
    assert sub("${EMPTY?}") == ""
    assert sub("${TAG:?x}") == "1.25"


def test_required_without_message_hints_at_the_fix():
    with pytest.raises(InterpolationError) as info:
        sub("${MISSING?}")
    assert str(info.value) == "required variable MISSING is missing a value: set MISSING in the environment or .env"


def test_operands_are_expanded_only_when_used():
    assert sub("${TAG:-${MISSING:?never checked}}") == "1.25"
    warned: list[str] = []
    assert substitute("${A:+${A},}B", {}.get, warn=warned.append) == "B"
    assert warned == []


def test_unset_variables_are_reported_to_warn():
    warned: list[str] = []
    assert substitute("${A:-$B}-$C", {}.get, warn=warned.append) == "-"
    assert warned == ["B", "C"]


def test_expansion_happens_once():
    assert substitute("$A", {"A": "$B", "B": "no"}.get) == "$B"


# ----------------------------------------------------------------------------------------------- documents


def load(text: str):
    return read_yaml(text, "compose.yaml")[0]


def test_interpolate_touches_string_values_only_and_keeps_types():
    doc = load("services:\n  ${NAME}:\n    image: nginx:${TAG}\n    ports: [80, '${TAG}']\n    tty: true\n")
    data = interpolate(doc.data, doc.marks, ENV.get)
    assert data == {"services": {"${NAME}": {"image": "nginx:1.25", "ports": [80, "1.25"], "tty": True}}}


def test_interpolate_does_not_change_its_input():
    doc = load("image: ${TAG}\n")
    interpolate(doc.data, doc.marks, ENV.get)
    assert doc.data == {"image": "${TAG}"}


def test_interpolate_goes_through_reset_and_override():
    doc = load("a: !override [x$TAG]\nb: !reset ${TAG}\n")
    data = interpolate(doc.data, doc.marks, ENV.get)
    assert data == {"a": Override(["x1.25"]), "b": Reset("1.25")}


def test_errors_name_file_line_column_and_yaml_path():
    doc = load("services:\n  web:\n    build: .\n    image: ${IMG:?}\n")
    with pytest.raises(InterpolationError) as info:
        interpolate(doc.data, doc.marks, {}.get)
    error = info.value
    assert error.mark == Mark("compose.yaml", 4, 12)
    assert error.path == "services.web.image"
    assert str(error) == (
        "compose.yaml:4:12 services.web.image: required variable IMG is missing a value: "
        "set IMG in the environment or .env"
    )


def test_errors_in_list_items_name_the_index():
    doc = load("command: [a, '${X']\n")
    with pytest.raises(InterpolationError) as info:
        interpolate(doc.data, doc.marks, {}.get)
    assert info.value.path == "command[1]"
    assert info.value.mark == Mark("compose.yaml", 1, 14)
