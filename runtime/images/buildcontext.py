"""The build context: a directory seen through its .dockerignore, with content hashes for COPY/ADD sources.

Source paths are cleaned against the context root (``/a``, ``./a`` and ``../a`` all name ``a``); wildcards
follow Go's ``filepath.Match`` per path segment (``*`` and ``?`` never cross ``/``, ``[...]`` classes, ``\\``
escapes); ignored paths are invisible. A directory's digest covers the relative path, type, permission bits and
content of every included entry below it (not timestamps or owners), so touching an ignored file never changes
a cache key and editing a copied one always does.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from runtime.errors import ImageError
from runtime.images.dockerignore import IgnoreMatcher, load_ignore

_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
_CHUNK = 1 << 20


class BuildContextError(ImageError):
    """A COPY/ADD source is missing, excluded, malformed, or the context directory is unusable."""


@dataclass(frozen=True)
class ContextSource:
    """One resolved source: context-relative path ('.' is the root), kind, content digest."""

    path: str
    kind: str  # "file" | "dir" | "symlink"
    digest: str
    archive: bool = False  # a file holding a (possibly compressed) tar archive: ADD unpacks it


def clean_source(source: str) -> str:
    """Context-relative form of a COPY source: no leading '/', no '..' escaping the root; '.' for the root."""
    cleaned = posixpath.normpath("/" + source).lstrip("/")
    return cleaned or "."


def has_magic(path: str) -> bool:
    return any(ch in path for ch in "*?[\\")


def _segment_regex(segment: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif ch == "[":
            end = segment.find("]", i + 2)
            if end < 0:
                raise BuildContextError(f"syntax error in pattern {segment!r}: unterminated [")
            body = segment[i + 1:end]
            negate = body.startswith("^")
            body = re.escape(body[1:] if negate else body).replace("\\-", "-")
            out.append(f"[^{body}]" if negate else f"[{body}]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def _unescape(segment: str) -> str:
    return re.sub(r"\\(.)", r"\1", segment)


def _is_archive(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return head.startswith(_MAGIC) or head[257:262] == b"ustar"


@dataclass
class BuildContext:
    """A context directory and its ignore rules. Caches file hashes for the lifetime of the object."""

    root: Path
    ignore: IgnoreMatcher = field(default_factory=IgnoreMatcher)
    name: str = "build context"
    _hashes: dict[tuple[str, int, int, int], str] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, context_dir: str | os.PathLike[str], dockerfile: str | os.PathLike[str] | None = None,
             name: str = "build context") -> "BuildContext":
        root = Path(context_dir).resolve()
        if not root.is_dir():
            raise BuildContextError(f"{name} {root}: not a directory; point the build context at a directory")
        dfile = Path(dockerfile).resolve() if dockerfile is not None else None
        keep = [".dockerignore"]
        if dfile is not None and dfile.is_relative_to(root):
            keep.append(dfile.relative_to(root).as_posix())
        return cls(root, load_ignore(root, dfile, tuple(keep)), name)

    def ignored(self, rel: str) -> bool:
        return rel != "." and self.ignore.ignored(rel)

    def _path(self, rel: str) -> Path:
        return self.root if rel == "." else self.root / rel

    def resolve(self, source: str) -> tuple[ContextSource, ...]:
        """The included entries a COPY source names (wildcards expanded, sorted); error if none."""
        rel = clean_source(source)
        if has_magic(rel):
            matches = sorted(self._glob(rel))
        else:
            rel = _unescape(rel)
            matches = [rel] if os.path.lexists(self._path(rel)) and not self.ignored(rel) else []
        if not matches:
            raise BuildContextError(self._missing(source, rel))
        return tuple(self.source(m) for m in matches)

    def _missing(self, source: str, rel: str) -> str:
        if not has_magic(rel) and os.path.lexists(self._path(rel)):
            return (f"{source!r}: excluded by {self.ignore.source or '.dockerignore'}; remove the pattern that "
                    f"matches it or do not copy it")
        return f"{source!r}: not found in {self.name} {self.root}; check the path (it is relative to the context)"

    def _glob(self, rel: str) -> Iterator[str]:
        found = [""]
        for segment in rel.split("/"):
            step: list[str] = []
            for base in found:
                if has_magic(segment):
                    regex = _segment_regex(segment)
                    try:
                        names = os.listdir(self._path(base or "."))
                    except (NotADirectoryError, FileNotFoundError):
                        continue
                    step.extend(f"{base}/{n}".lstrip("/") for n in names if regex.match(n))
                else:
                    candidate = f"{base}/{_unescape(segment)}".lstrip("/")
                    if os.path.lexists(self._path(candidate)):
                        step.append(candidate)
            found = step
        yield from (m for m in found if not self.ignored(m))

    def source(self, rel: str) -> ContextSource:
        path = self._path(rel)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return ContextSource(rel, "symlink", "sha256:" + hashlib.sha256(os.readlink(path).encode()).hexdigest())
        if stat.S_ISDIR(st.st_mode):
            return ContextSource(rel, "dir", self.digest(rel))
        return ContextSource(rel, "file", self.digest(rel), archive=_is_archive(path))

    def walk(self, rel: str = ".") -> Iterator[tuple[str, os.stat_result]]:
        """Every included entry strictly below directory ``rel``, depth first, sorted by name."""
        base = self._path(rel)
        try:
            names = sorted(os.listdir(base))
        except NotADirectoryError:
            return
        for name in names:
            child = name if rel == "." else f"{rel}/{name}"
            st = os.lstat(base / name)
            is_dir = stat.S_ISDIR(st.st_mode)
            if self.ignored(child):
                if is_dir and self.ignore.may_reinclude_under(child):
                    yield from self.walk(child)
                continue
            yield child, st
            if is_dir:
                yield from self.walk(child)

    def file_digest(self, rel: str, st: os.stat_result | None = None) -> str:
        path = self._path(rel)
        st = st or os.lstat(path)
        key = (rel, st.st_size, st.st_mtime_ns, st.st_ino)
        cached = self._hashes.get(key)
        if cached is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    digest.update(chunk)
            cached = self._hashes[key] = "sha256:" + digest.hexdigest()
        return cached

    def digest(self, rel: str = ".") -> str:
        """Content digest of a file, or of a directory's included tree."""
        path = self._path(rel)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            return self.file_digest(rel, st)
        total = hashlib.sha256()
        prefix = 0 if rel == "." else len(rel) + 1
        for child, cst in self.walk(rel):
            total.update(_entry_line(child[prefix:], cst, self, child))
        return "sha256:" + total.hexdigest()


def _entry_line(name: str, st: os.stat_result, ctx: BuildContext, rel: str) -> bytes:
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        kind, content = "l", os.readlink(ctx._path(rel))
    elif stat.S_ISDIR(st.st_mode):
        kind, content = "d", ""
    elif stat.S_ISREG(st.st_mode):
        kind, content = "f", ctx.file_digest(rel, st)
    else:
        kind, content = "o", ""
    return f"{name}\0{kind}\0{mode:o}\0{content}\n".encode("utf-8", "surrogateescape")
