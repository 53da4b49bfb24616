"""Writing YAML like ``docker compose config``, and reading back exactly what was written."""

from __future__ import annotations

import pytest

from compose.loader.document import Override, Reset
from compose.loader.files import dump_yaml, read_yaml


def roundtrip(data: object) -> object:
    return read_yaml(dump_yaml(data), "out.yaml")[0].data


def test_block_style_two_space_indent_and_indented_lists():
    text = dump_yaml({"services": {"web": {"image": "nginx", "command": ["echo", "hi"]}}})
    assert text == "services:\n  web:\n    image: nginx\n    command:\n      - echo\n      - hi\n"


def test_lists_of_mappings():
    text = dump_yaml({"ports": [{"mode": "ingress", "target": 80}, {"target": 81}]})
    assert text == "ports:\n  - mode: ingress\n    target: 80\n  - target: 81\n"


def test_key_order_is_insertion_order():
    assert dump_yaml({"b": 1, "a": 2}) == "b: 1\na: 2\n"


def test_strings_are_quoted_only_when_needed_and_with_double_quotes_as_go_yaml_does():
    text = dump_yaml({"plain": "nginx:1.25", "port": "80:80", "num": "123", "word": "on", "empty": ""})
    assert "plain: nginx:1.25\n" in text
    assert 'num: "123"\n' in text
    assert 'word: "on"\n' in text
    assert 'empty: ""\n' in text


@pytest.mark.parametrize("text", ["0o17", "0x1F", "010", "1_000", "true", "null", "~", "1.5", ".inf", "1:20", "yes"])
def test_strings_that_would_read_back_as_another_type_are_quoted(text):
    assert roundtrip({"v": text}) == {"v": text}


def test_multi_line_strings_use_literal_blocks():
    text = dump_yaml({"script": "echo one\necho two\n"})
    assert text == "script: |\n  echo one\n  echo two\n"
    assert roundtrip({"script": "a\nb"}) == {"script": "a\nb"}


def test_long_strings_are_not_wrapped():
    long = "word " * 60
    text = dump_yaml({"v": long.strip()})
    assert text.count("\n") == 1


def test_shared_objects_are_written_out_not_aliased():
    shared = {"A": "1"}
    text = dump_yaml({"one": shared, "two": shared})
    assert "&" not in text and "*" not in text


def test_scalars_of_every_type_round_trip():
    data = {"i": 8, "f": 1.5, "t": True, "n": None, "s": "x", "l": [], "m": {}, "u": "héllo"}
    assert roundtrip(data) == data
    assert "u: héllo" in dump_yaml(data)


def test_no_python_tags():
    text = dump_yaml({"t": ("a", "b")})
    assert "!!python" not in text
    assert roundtrip({"t": ("a", "b")}) == {"t": ["a", "b"]}


def test_reset_and_override_round_trip():
    data = {"a": Reset(None), "b": Override({"x": 1}), "c": Reset("5"), "d": Reset([])}
    assert roundtrip(data) == data
    assert "a: !reset null\n" in dump_yaml(data)


TRICKY = ["", " ", "a ", " a", "a\n", "a\nb", "a\n\n", "\na", " a\nb", "a \nb", "a\tb", "- a", "-a", "-", "? a", ":a",
          "a: b", "a:b", "a #b", "a#b", "#a", "---", "...x", "on", "y", "Yes", "1:20", "0o17", "1_000", "=", "<<",
          "2001-12-14", "1e5", "é", "a\u2028b", "\x00", "\ufeff", "a\\b", 'a"b', "'a'", "@x", "`x", "%x", "!x", "&x",
          "*x", "|x", ">x", "{x", "[x", "x,y", "12:30:45", "+1", "007", "1.", ".5", "a\r\nb", "\n\n", "a\n\n\nb\n\n",
          "  lead\nx", "x" * 200, "日本", "😀", "a\x7fb", "--flag=1", "./rel/path", "${VAR:-x}"]  # fmt: skip


@pytest.mark.parametrize("text", TRICKY, ids=repr)
def test_the_fast_writer_matches_pyyaml_on_awkward_strings(text):
    from compose.loader.emit import emit
    from compose.loader.files import plain_reads_back, pyyaml_dump

    data = {"k": text, "l": [text, {"x": text}], "m": [[text]], "n": {}, "o": [], "f": 1.0e20, "b": False, "z": None}
    assert emit(data, plain_reads_back) == pyyaml_dump(data)
    assert roundtrip(data) == data
