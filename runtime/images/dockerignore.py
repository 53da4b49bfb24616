"""``.dockerignore`` with Docker's rules (moby's ignorefile reader and patternmatcher).

Reading: lines starting with ``#`` are comments; lines are trimmed; blank lines skipped; ``!`` marks an
exception; each pattern is cleaned like Go's ``filepath.Clean`` (so ``./a/``, ``a//b`` and ``a/../b`` normalise)
and a leading ``/`` is dropped. Matching: patterns apply in order, the last one that matches a path (or one of
its parent directories) decides; ``*`` and ``?`` never cross ``/``; ``**`` spans any number of directories;
``[...]`` classes and ``\\`` escapes as in Go's ``filepath.Match``. ``<Dockerfile>.dockerignore`` beside the
Dockerfile takes precedence over the context's ``.dockerignore``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import ImageError

_REGEX_SPECIALS = ".+()|{}$^"


class DockerignoreError(ImageError):
    """A .dockerignore pattern is malformed."""


@dataclass(frozen=True)
class IgnorePattern:
    text: str
    exclusion: bool
    regex: re.Pattern[str]

    def match(self, path: str) -> bool:
        return self.regex.match(path) is not None


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` for ``/``-separated paths."""
    if not path:
        return "."
    rooted = path.startswith("/")
    cleaned = posixpath.normpath(path)
    if rooted:
        cleaned = "/" + cleaned.lstrip("/")
        parts = [p for p in cleaned.split("/") if p not in ("", "..")]
        cleaned = "/" + "/".join(parts)
    return cleaned


def read_patterns(text: str) -> list[str]:
    """The pattern lines of a .dockerignore file, cleaned; exceptions keep their ``!``."""
    out: list[str] = []
    for number, raw in enumerate(text.splitlines()):
        if number == 0:
            raw = raw.lstrip("\ufeff")
        if raw.startswith("#"):
            continue
        pattern = raw.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        out.append(("!" if invert else "") + pattern)
    return out


def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                out.append(".*" if i + 1 >= n else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out.append(re.escape(pattern[i]))
            else:
                out.append("\\\\")
        elif ch == "[":
            end = _class_end(pattern, i)
            out.append(_class(pattern[i + 1:end]))
            i = end
        elif ch in _REGEX_SPECIALS or ch == "]":
            out.append("\\" + ch)
        else:
            out.append(re.escape(ch) if not ch.isalnum() and ch not in "/_-" else ch)
        i += 1
    out.append("$")
    return re.compile("".join(out), re.S)


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    first = True
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            first = False
            continue
        if pattern[i] == "]" and not first:
            return i
        first = False
        i += 1
    raise DockerignoreError(f"syntax error in pattern {pattern!r}: unterminated [ class")


def _class(body: str) -> str:
    negate = body.startswith("^")
    if negate:
        body = body[1:]
    parts: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            i += 1
            parts.append(re.escape(body[i]))
        elif ch == "-":
            parts.append("-")
        else:
            parts.append(re.escape(ch))
        i += 1
    inner = "".join(parts)
    return f"[^{inner}]" if negate else f"[{inner}]"


@dataclass(frozen=True)
class IgnoreMatcher:
    """Ordered patterns; ``ignored(path)`` answers for a ``/``-separated path relative to the context."""

    patterns: tuple[IgnorePattern, ...] = ()
    source: str | None = None  # the file the patterns came from

    @property
    def has_exclusions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def ignored(self, path: str) -> bool:
        path = path.strip("/")
        parents = path.split("/")[:-1]
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit:
                hit = any(pattern.match("/".join(parents[:k + 1])) for k in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched

    def may_reinclude_under(self, directory: str) -> bool:
        """True if an exception pattern could re-include something inside an ignored ``directory``."""
        prefix = directory.strip("/") + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)


def compile_patterns(lines: list[str], source: str | None = None) -> IgnoreMatcher:
    patterns: list[IgnorePattern] = []
    for line in lines:
        exclusion = line.startswith("!")
        text = line[1:] if exclusion else line
        if not text:
            raise DockerignoreError(f"{source or '.dockerignore'}: illegal exclusion pattern: \"!\"")
        try:
            regex = _compile(text)
        except (DockerignoreError, re.error) as exc:
            raise DockerignoreError(f"{source or '.dockerignore'}: bad pattern {line!r}: {exc}") from exc
        patterns.append(IgnorePattern(text, exclusion, regex))
    return IgnoreMatcher(tuple(patterns), source)


def load_ignore(context_dir: Path, dockerfile: Path | None = None,
                keep: tuple[str, ...] = ()) -> IgnoreMatcher:
    """The ignore rules of a build: ``<Dockerfile>.dockerignore`` if present, else the context's file.

    ``keep`` lists context-relative paths that are always sent (the Dockerfile and .dockerignore, as the
    docker CLI does): if the rules would exclude them, an exception is appended.
    """
    candidates = []
    if dockerfile is not None:
        candidates.append(dockerfile.with_name(dockerfile.name + ".dockerignore"))
    candidates.append(context_dir / ".dockerignore")
    for candidate in candidates:
        if candidate.is_file():
            lines = read_patterns(candidate.read_text(encoding="utf-8", errors="replace"))
            matcher = compile_patterns(lines, str(candidate))
            extra = [f"!{k}" for k in keep if matcher.ignored(k)]
            return compile_patterns(lines + extra, str(candidate)) if extra else matcher
    return IgnoreMatcher()
