"""``.env`` files by Docker Compose's rules, and how env files and the shell combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from compose.errors import LoadError, ParseError
from compose.loader.document import Mark
from compose.loader.dotenv import env_file_paths, load_env_files, parse_dotenv
from compose.loader.options import LoadOptions


def parse(text: str, env: dict[str, str] | None = None) -> dict[str, str]:
    return parse_dotenv(text, ".env", (env or {}).get)


def test_comments_blank_lines_and_spacing():
    text = "# comment\n\n  A=1\nB = 2\nC= 3\n   # indented comment\nD =4\n"
    assert parse(text) == {"A": "1", "B": "2", "C": "3", "D": "4"}


def test_export_prefix():
    assert parse("export A=1\nexport  B='x'\nexported=2\n") == {"A": "1", "B": "x", "exported": "2"}


def test_yaml_style_colon_separator():
    assert parse("A: 1\nB:two\n") == {"A": "1", "B": "two"}


def test_unquoted_values_cut_inline_comments_only_after_a_space():
    assert parse("A=value # comment\nB=a#b\nC=trailing   \n") == {"A": "value", "B": "a#b", "C": "trailing"}


def test_empty_values():
    assert parse("A=\nB=''\nC=\"\"\n") == {"A": "", "B": "", "C": ""}


def test_single_quotes_are_literal():
    assert parse("A='${X} \\n $$'\nB='it\\'s'\n", {"X": "x"}) == {"A": "${X} \\n $$", "B": "it's"}


def test_double_quotes_understand_escapes():
    text = 'A="a\\nb\\tc \\"q\\" \\\\ \\$HOME \\0101 \\q"\n'
    assert parse(text) == {"A": 'a\nb\tc "q" \\ $HOME A \\q'}


def test_quoted_values_may_span_lines():
    assert parse("A=\"one\ntwo\"\nB='x\ny'\n") == {"A": "one\ntwo", "B": "x\ny"}


def test_text_after_a_closing_quote_comment():
    assert parse('A="x" # note\nB=2\n') == {"A": "x", "B": "2"}


def test_expansion_in_unquoted_and_double_quoted_values_uses_earlier_keys():
    text = "A=1\nB=${A}-$A\nC=\"${A:-z}\"\nD='${A}'\nE=${NOPE:-dflt}\n"
    assert parse(text) == {"A": "1", "B": "1-1", "C": "1", "D": "${A}", "E": "dflt"}


def test_lookup_comes_before_earlier_keys_in_expansion_but_not_for_the_key_itself():
    assert parse("A=1\nB=${A}\n", {"A": "5"}) == {"A": "1", "B": "5"}


def test_a_key_alone_inherits_from_lookup():
    assert parse("A\nB=2\nC\n", {"A": "from-shell"}) == {"A": "from-shell", "B": "2"}


def test_keys_with_dots_dashes_and_brackets():
    assert parse("a.b=1\nc-d=2\ne[0]=3\n") == {"a.b": "1", "c-d": "2", "e[0]": "3"}


def test_keys_starting_with_a_digit_are_dropped():
    assert parse("1A=x\nB=y\n") == {"B": "y"}


def test_utf8_bom_is_ignored():
    assert parse("\ufeffA=1\n") == {"A": "1"}


def test_a_key_with_a_space_is_an_error_with_its_line():
    with pytest.raises(ParseError) as info:
        parse_dotenv("A=1\nNOT VALID\n", "app.env")
    assert info.value.mark == Mark("app.env", 2, 1)
    assert "space" in info.value.message


def test_a_bad_character_in_a_key_is_an_error():
    with pytest.raises(ParseError) as info:
        parse_dotenv("A=1\n\nB$C=1\n", "app.env")
    assert info.value.mark == Mark("app.env", 3, 2)


def test_an_unterminated_quote_is_an_error():
    with pytest.raises(ParseError) as info:
        parse_dotenv('A=1\nB="never closed\n', "app.env")
    assert info.value.mark == Mark("app.env", 2, 3)
    assert "unterminated" in info.value.message


def test_a_missing_required_variable_is_an_error_in_the_file():
    with pytest.raises(ParseError) as info:
        parse_dotenv("A=${NEED:?give NEED}\n", "app.env")
    assert "required variable NEED" in str(info.value)
    assert info.value.mark.file == "app.env"


# ----------------------------------------------------------------------------------------------- several files


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_shell_wins_over_env_files_and_later_files_over_earlier(tmp_path):
    first = write(tmp_path / "a.env", "A=a1\nB=a1\nC=a1\n")
    second = write(tmp_path / "b.env", "B=b2\nC=b2\n")
    env = load_env_files([first, second], {"C": "shell", "PATH": "/bin"})
    assert env == {"A": "a1", "B": "b2", "C": "shell", "PATH": "/bin"}


def test_later_files_expand_against_the_shell_then_earlier_files(tmp_path):
    first = write(tmp_path / "a.env", "BASE=/srv\nUSER_=file\n")
    second = write(tmp_path / "b.env", "DATA=${BASE}/data\nWHO=${USER_}\n")
    env = load_env_files([first, second], {"USER_": "shell"})
    assert env["DATA"] == "/srv/data" and env["WHO"] == "shell"


def test_a_missing_env_file_is_a_load_error_naming_it(tmp_path):
    with pytest.raises(LoadError) as info:
        load_env_files([tmp_path / "nope.env"], {})
    assert "nope.env" in str(info.value)


def test_default_env_file_is_the_project_dirs_dot_env(tmp_path):
    options = LoadOptions(working_dir=tmp_path)
    assert env_file_paths(options, tmp_path) == []
    write(tmp_path / ".env", "A=1\n")
    assert env_file_paths(options, tmp_path) == [tmp_path / ".env"]


def test_env_file_options_replace_the_default_and_are_relative_to_the_working_dir(tmp_path):
    write(tmp_path / ".env", "A=1\n")
    options = LoadOptions(working_dir=tmp_path, env_files=("conf/app.env", "/etc/x.env"))
    assert env_file_paths(options, tmp_path / "project") == [tmp_path / "conf" / "app.env", Path("/etc/x.env")]


def test_windows_line_endings():
    assert parse("A=1\r\nB='two'\r\nC\r\n", {"C": "c"}) == {"A": "1", "B": "two", "C": "c"}


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("FOO =bar", "FOO", "bar"),
        ('FOO="escaped\\"bar"', "FOO", 'escaped"bar'),
        ("FOO=\"'d'\"", "FOO", "'d'"),
        ("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"),
        ("OPTION_A=1:B", "OPTION_A", "1:B"),
        ("export exportFoo=2", "exportFoo", "2"),
        ("export_FOO =2", "export_FOO", "2"),
        ("export\tOPTION_A=2", "OPTION_A", "2"),
        ("FOO=a\\tb", "FOO", "a\\tb"),
        ('KEY="Z\\aZ\\bZ\\fZ\\rZ\\vZ"', "KEY", "Z\aZ\bZ\fZ\rZ\vZ"),
        ('KEY="\\x07 \\u12e4"', "KEY", "\\x07 \\u12e4"),
        ("FOO=foobar=", "FOO", "foobar="),
        ("FOO=bar #", "FOO", "bar"),
        ('FOO="bar#baz"#', "FOO", "bar#baz"),
        ('FOO="bar\\n\\ b"', "FOO", "bar\n\\ b"),
        ('FOO="bar\\\\r"', "FOO", "bar\\r"),
        ('FOO="a\\${B} ${B}"', "FOO", "a${B} b"),
    ],
)
def test_parsing_rules(line, key, expected):
    assert parse(line, {"B": "b"})[key] == expected


@pytest.mark.parametrize("text", ['KEY="', 'KEY="value\\"', "KEY='value\\'", "KEY='value\"", "lol$wut"])
def test_malformed_lines(text):
    with pytest.raises(ParseError):
        parse(text)


def test_an_env_file_that_is_a_directory_is_a_load_error(tmp_path):
    with pytest.raises(LoadError) as info:
        load_env_files([tmp_path], {})
    assert str(tmp_path) in str(info.value)
