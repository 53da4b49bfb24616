"""Variable substitution in Dockerfile words, as BuildKit's shell lexer does it."""

from __future__ import annotations

import pytest

from runtime.images.buildvars import SubstitutionError, expand_text, expand_word, split_words

ENV = {"NAME": "app", "EMPTY": "", "PATHV": "/usr/local/bin/python3.11", "FILE": "archive.tar.gz"}


@pytest.mark.parametrize("word, expected", [
    ("$NAME", "app"),
    ("${NAME}", "app"),
    ("${NAME}_suffix", "app_suffix"),
    ("$NAME_suffix", ""),
    ("$UNSET", ""),
    ("${UNSET:-default}", "default"),
    ("${EMPTY:-default}", "default"),
    ("${EMPTY-default}", ""),
    ("${UNSET-default}", "default"),
    ("${NAME:-default}", "app"),
    ("${NAME:+set}", "set"),
    ("${EMPTY:+set}", ""),
    ("${EMPTY+set}", "set"),
    ("${UNSET+set}", ""),
    ("${UNSET:-$NAME}", "app"),
    ("${UNSET:-${NAME:+nested}}", "nested"),
    ("${FILE#*.}", "tar.gz"),
    ("${FILE##*.}", "gz"),
    ("${FILE%.*}", "archive.tar"),
    ("${FILE%%.*}", "archive"),
    ("${PATHV/python/py}", "/usr/local/bin/py3.11"),
    ("${PATHV//\\//:}", ":usr:local:bin:python3.11"),
    ("price: $", "price: $"),
    ("$1", ""),
])
def test_expansion_forms(word, expected):
    assert expand_word(word, ENV) == expected


@pytest.mark.parametrize("word, expected", [
    ("\\$NAME", "$NAME"),
    ("\\${NAME}", "${NAME}"),
    ("'$NAME'", "$NAME"),
    ('"$NAME"', "app"),
    ('"a b"', "a b"),
    ('"say \\"hi\\""', 'say "hi"'),
    ('"keep \\n"', "keep \\n"),
    ("a\\ b", "a b"),
    ("'it''s'", "its"),
])
def test_quotes_and_escapes(word, expected):
    assert expand_word(word, ENV) == expected


def test_backtick_escape_character():
    assert expand_word("`$NAME c:\\path", ENV, escape="`") == "$NAME c:\\path"


@pytest.mark.parametrize("word, message", [
    ("${NAME", "missing '}'"),
    ("${}", "bad substitution"),
    ("${:x}", "bad substitution"),
    ("'open", "single-quote"),
    ('"open', "double-quote"),
    ("${NAME!x}", "unsupported modifier"),
])
def test_malformed_words_are_errors(word, message):
    with pytest.raises(SubstitutionError, match=message):
        expand_word(word, ENV)


def test_required_variables():
    assert expand_word("${NAME?}", ENV) == "app"
    with pytest.raises(SubstitutionError, match="UNSET: is not allowed to be unset"):
        expand_word("${UNSET?}", ENV)
    with pytest.raises(SubstitutionError, match="EMPTY: must be set"):
        expand_word("${EMPTY:?must be set}", ENV)


def test_split_words_keeps_quotes():
    assert split_words('A=1 B="two words" C=\'x y\' D=a\\ b') == ["A=1", 'B="two words"', "C='x y'", "D=a\\ b"]


def test_heredoc_text_expands_variables_but_keeps_quotes():
    assert expand_text('name="$NAME" \\$HOME ${UNSET:-d}\n', ENV) == 'name="app" $HOME d\n'
