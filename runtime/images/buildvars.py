"""Dockerfile words: quote-aware splitting and variable substitution with BuildKit's rules.

``expand_word`` is what Docker applies to the arguments of ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER
VOLUME WORKDIR ARG (and instruction flags such as ``--chown``): ``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR-x}``,
``${VAR:+x}``, ``${VAR+x}``, ``${VAR:?msg}``, ``${VAR?msg}``, ``${VAR#pat}``, ``${VAR##pat}``, ``${VAR%pat}``,
``${VAR%%pat}``, ``${VAR/pat/repl}``, ``${VAR//pat/repl}``; single quotes are literal, double quotes allow
expansion, the escape character (``\\`` or the ``# escape=`` one) quotes the next character, and quotes are
removed from the result. Unset variables expand to the empty string. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runtime.errors import ImageError

_SPECIAL_PARAMS = "@*#?-$!0"


class SubstitutionError(ImageError):
    """A word has a malformed ``${...}`` or an unterminated quote, or ``${VAR?}`` found VAR unset."""


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Split on unquoted whitespace, keeping quotes and escapes in the words (Docker's ``parseWords``)."""
    words: list[str] = []
    word: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            word.append(ch)
            if ch == escape and quote == '"' and i + 1 < len(text):
                word.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch.isspace():
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(ch)
            if ch == escape and i + 1 < len(text):
                word.append(text[i + 1])
                i += 1
            elif ch in "'\"":
                quote = ch
        i += 1
    if word:
        words.append("".join(word))
    return words


class _Scanner:
    """One pass over a word; mirrors the structure of a small recursive-descent shell lexer."""

    def __init__(self, word: str, env: Mapping[str, str], escape: str) -> None:
        self.s = word
        self.i = 0
        self.env = env
        self.escape = escape
        self.used: set[str] = set()

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def next(self) -> str:
        ch = self.peek()
        self.i += 1
        return ch

    def run(self, stop: str = "", raw_escapes: bool = False) -> str:
        out: list[str] = []
        while self.i < len(self.s):
            ch = self.peek()
            if stop and ch == stop:
                self.i += 1
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == "'":
                out.append(self.single_quote())
            elif ch == '"':
                out.append(self.double_quote())
            else:
                self.i += 1
                if ch == self.escape:
                    if raw_escapes:
                        out.append(ch)
                    if self.i >= len(self.s):
                        break
                    ch = self.next()
                out.append(ch)
        if stop:
            raise SubstitutionError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out)

    def single_quote(self) -> str:
        self.i += 1
        end = self.s.find("'", self.i)
        if end < 0:
            raise SubstitutionError("unexpected end of statement while looking for matching single-quote")
        text = self.s[self.i:end]
        self.i = end + 1
        return text

    def double_quote(self) -> str:
        self.i += 1
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise SubstitutionError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.i += 1
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            self.i += 1
            if ch == self.escape:
                nxt = self.peek()
                if not nxt:
                    continue
                if nxt in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        start = self.i
        ch = self.peek()
        if ch.isdigit():
            while self.peek().isdigit():
                self.i += 1
            return self.s[start:self.i]
        if ch and ch in _SPECIAL_PARAMS:
            self.i += 1
            return ch
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.i += 1
        return self.s[start:self.i]

    def lookup(self, name: str) -> tuple[str, bool]:
        if name in self.env:
            self.used.add(name)
            return self.env[name], True
        return "", False

    def dollar(self) -> str:
        self.i += 1
        if self.peek() != "{":
            name = self.name()
            return self.lookup(name)[0] if name else "$"
        self.i += 1
        if not self.peek():
            raise SubstitutionError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise SubstitutionError("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if not op:
            raise SubstitutionError("syntax error: missing '}'")
        if op == "}":
            return self.lookup(name)[0]
        if op == "/":
            return self.replace(name)
        colon = op == ":"
        if colon:
            op = self.next()
        if op not in ("+", "-", "?", "#", "%"):
            raise SubstitutionError(f"unsupported modifier ({':' if colon else ''}{op}) in substitution")
        try:
            word = self.run("}", raw_escapes=op in "#%")
        except SubstitutionError:
            raise SubstitutionError("syntax error: missing '}'") from None
        value, is_set = self.lookup(name)
        return _modify(name, value, is_set, colon, op, word)

    def replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.i += 1
        try:
            pattern = self.run("/", raw_escapes=True)
        except SubstitutionError:
            raise SubstitutionError("syntax error: missing '/' in ${}") from None
        try:
            replacement = self.run("}", raw_escapes=True)
        except SubstitutionError:
            raise SubstitutionError("syntax error: missing '}'") from None
        value, _ = self.lookup(name)
        regex = _pattern_regex(pattern, greedy=True)
        return regex.sub(lambda _m: replacement, value, count=0 if replace_all else 1)


def _modify(name: str, value: str, is_set: bool, colon: bool, op: str, word: str) -> str:
    empty = not is_set or (colon and value == "")
    if op == "-":
        return word if empty else value
    if op == "+":
        return "" if empty else word
    if op == "?":
        if not is_set:
            raise SubstitutionError(f"{name}: {word or 'is not allowed to be unset'}")
        if colon and value == "":
            raise SubstitutionError(f"{name}: {word or 'is not allowed to be empty'}")
        return value
    greedy = word.startswith(op)
    if greedy:
        word = word[1:]
    if op == "#":
        return _trim(value, word, greedy, prefix=True)
    return _trim(value, word, greedy, prefix=False)


def _pattern_regex(pattern: str, greedy: bool, anchor: str = "") -> re.Pattern[str]:
    """Shell pattern (``*``, ``?``, ``\\`` escapes; no brackets) -> regex."""
    star = ".*" if greedy else ".*?"
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            if pattern[i] not in "}/":
                out.append(re.escape(pattern[i]))
            else:
                out.append(pattern[i])
        else:
            out.append(re.escape(ch))
        i += 1
    body = "".join(out)
    if anchor == "start":
        return re.compile("^" + body, re.S)
    if anchor == "end":
        return re.compile(body + "$", re.S)
    return re.compile(body, re.S)


def _trim(value: str, pattern: str, greedy: bool, prefix: bool) -> str:
    regex = _pattern_regex(pattern, greedy=True)
    cuts = range(len(value) + 1)
    order = reversed(cuts) if greedy else cuts
    for n in order:
        part = value[:n] if prefix else value[len(value) - n:]
        if regex.fullmatch(part):
            return value[n:] if prefix else value[:len(value) - n]
    return value


def expand_word(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand variables and remove quotes, as Docker does for one argument word."""
    return _Scanner(word, env, escape).run()


def expand_word_used(word: str, env: Mapping[str, str], escape: str = "\\") -> tuple[str, frozenset[str]]:
    """Like ``expand_word`` but also return the names that were found in ``env``."""
    scanner = _Scanner(word, env, escape)
    result = scanner.run()
    return result, frozenset(scanner.used)


def expand_text(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand ``$VAR`` forms in free text (a COPY heredoc body) leaving quotes alone."""
    out: list[str] = []
    i = 0
    while i < len(text):
        j = text.find("$", i)
        esc = text.find(escape, i)
        if j < 0 and esc < 0:
            out.append(text[i:])
            break
        if esc >= 0 and (j < 0 or esc < j):
            if esc + 1 < len(text) and text[esc + 1] == "$":
                out.append(text[i:esc] + "$")
                i = esc + 2
            else:
                out.append(text[i:esc + 1])
                i = esc + 1
            continue
        out.append(text[i:j])
        scanner = _Scanner(text, env, escape)
        scanner.i = j
        out.append(scanner.dollar())
        i = scanner.i
    return "".join(out)
