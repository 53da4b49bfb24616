"""``.env`` files, read by Docker Compose's rules (compose-go's dotenv parser).

* ``KEY=value`` or ``KEY: value``; an optional ``export `` prefix; blank lines and ``#`` comment lines skipped;
  spaces around the key and after ``=`` ignored; a key is letters, digits, ``_ . - [ ]``.
* unquoted values run to the end of the line, cut at the first `` #`` and right-trimmed; ``${VAR}`` expanded.
* ``'single'`` quotes are literal (only ``\\'`` is unescaped) and may span lines.
* ``"double"`` quotes may span lines, understand ``\\n \\r \\t \\a \\b \\f \\v \\" \\\\ \\$`` and ``\\0NNN`` octal, and
  expand ``${VAR}``.
* ``VAR`` alone (no ``=``) takes its value from ``lookup``, and is left out when lookup has none.
* expansion sees ``lookup`` first, then keys set earlier in the same file (compose-go's order).
* keys starting with a digit are dropped (compose-go's Read does the same).
* a UTF-8 BOM is ignored.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterable, Mapping

from compose.errors import InterpolationError, LoadError, ParseError
from compose.loader.document import Mark
from compose.loader.interpolate import substitute
from compose.loader.options import LoadOptions

__all__ = ["parse_dotenv", "load_env_files", "env_file_paths"]

Lookup = Callable[[str], "str | None"]

_EXPORT = re.compile(r"export\s+")
_INLINE_SPACES = "\t\v\f\r \x85\xa0"  # Go's isSpace: whitespace that is not a line break
_ESCAPE = re.compile(r"\\(?:[abfnrtv$\"\\]|0[0-9]{0,3})")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}


class _Parser:
    def __init__(self, text: str, filename: str, lookup: Lookup | None) -> None:
        self.text = text
        self.filename = filename
        self.lookup: Lookup = lookup or (lambda _name: None)
        self.out: dict[str, str] = {}

    def error(self, pos: int, message: str, hint: str | None = None) -> ParseError:
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return ParseError(message, mark=Mark(self.filename, line, column), hint=hint)

    def parse(self) -> dict[str, str]:
        pos = 0
        while (pos := self.statement_start(pos)) >= 0:
            key_pos = pos
            key, pos, inherited = self.key_name(pos)
            if " " in key:
                raise self.error(key_pos, f"key {key!r} cannot contain a space", "write KEY=value, one per line")
            if inherited:
                value = self.lookup(key)
                if value is not None:
                    self.out[key] = value
                continue
            self.out[key], pos = self.value(pos)
        return {key: value for key, value in self.out.items() if key and not key[0].isdigit()}

    def statement_start(self, pos: int) -> int:
        """Index of the next statement (skipping blank and comment lines); -1 at the end."""
        text = self.text
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text):
                return -1
            if text[pos] != "#":
                return pos
            pos = text.find("\n", pos)
            if pos < 0:
                return -1

    def key_name(self, pos: int) -> tuple[str, int, bool]:
        text = self.text
        export = _EXPORT.match(text, pos)
        if export:
            pos += len("export")
            while pos < len(text) and text[pos] in _INLINE_SPACES:
                pos += 1
        start = index = pos
        while index < len(text):
            char = text[index]
            if char in "=:\n":
                return text[start:index].rstrip(), self.skip_inline_spaces(index + 1), char == "\n"
            if not (char in _INLINE_SPACES or char in "_.-[]" or char.isalpha() or char.isnumeric()):
                line = text[start:].split("\n", 1)[0]
                raise self.error(
                    index, f"unexpected character {char!r} in variable name {line!r}", "write KEY=value, one per line"
                )
            index += 1
        return text[start:].rstrip(), index, True  # a last line with no '=' names a variable to inherit

    def skip_inline_spaces(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _INLINE_SPACES:
            pos += 1
        return pos

    def value(self, pos: int) -> tuple[str, int]:
        text = self.text
        quote = text[pos : pos + 1]
        if quote not in ("'", '"'):
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            raw = text[pos:end].split(" #", 1)[0].rstrip()
            return self.expand(raw, pos), end
        chars: list[str] = []
        escaped = False
        for index in range(pos + 1, len(text)):
            char = text[index]
            if char == quote and not escaped:
                raw = "".join(chars)
                return (self.expand(_unescape(raw), pos) if quote == '"' else raw), index + 1
            if char == "\\" and not escaped:
                escaped = True
                continue
            if escaped and char != quote:
                chars.append("\\")
            escaped = False
            chars.append(char)
        line = text[pos:].split("\n", 1)[0]
        raise self.error(pos, f"unterminated quoted value {line}", f"close the value with {quote}")

    def expand(self, raw: str, pos: int) -> str:
        def lookup(name: str) -> str | None:
            found = self.lookup(name)
            return found if found is not None else self.out.get(name)

        try:
            return substitute(raw, lookup)
        except InterpolationError as exc:
            raise self.error(pos, exc.message, exc.hint) from None


def _unescape(raw: str) -> str:
    """Shell-style escapes of double-quoted values; ``\\$`` becomes ``$$`` so expansion leaves a literal ``$``."""

    def replace(match: re.Match[str]) -> str:
        seq = match.group()
        if seq == "\\$":
            return "$$"
        if seq[1] == "0":
            digits = seq[2:]
            if len(digits) == 3 and all(d in "01234567" for d in digits) and int(digits, 8) < 256:
                return chr(int(digits, 8))
            return seq
        return _SIMPLE_ESCAPES[seq[1]]

    return _ESCAPE.sub(replace, raw)


def parse_dotenv(text: str, filename: str, lookup: Lookup | None = None) -> dict[str, str]:
    """The variables an env file defines; ``lookup`` resolves inherited keys and comes first in expansion.

    Raises ``ParseError`` at file:line:column for a malformed line or an unterminated quote.
    """
    return _Parser(text.removeprefix("\ufeff"), filename, lookup).parse()


def load_env_files(paths: Iterable[Path | str], environ: Mapping[str, str]) -> dict[str, str]:
    """The environment a project sees: ``environ`` (the shell) over the env files, later files over earlier ones.

    Expansion inside a file looks at the shell first, then at what earlier files set.  A missing or unreadable file
    is a ``LoadError`` naming it.
    """
    merged: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        return environ[name] if name in environ else merged.get(name)

    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise LoadError(f"env file {path} not found", hint="check the --env-file path") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(f"cannot read env file {path}: {exc}", hint="env files are UTF-8 text") from None
        merged.update(parse_dotenv(text, str(path), lookup))
    return {**merged, **environ}


def env_file_paths(options: LoadOptions, project_dir: Path) -> list[Path]:
    """``--env-file`` values (relative to the working dir), else the project directory's ``.env`` if it exists."""
    if options.env_files:
        return [Path(os.path.abspath(options.working_dir / name)) for name in options.env_files]
    default = project_dir / ".env"
    return [default] if default.is_file() else []
