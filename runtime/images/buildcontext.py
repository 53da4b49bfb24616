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
from typing import Iterator, MutableMapping

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
    """A context directory and its ignore rules; ``hashes`` caches file digests (keyed by path and stat)."""

    root: Path
    ignore: IgnoreMatcher = field(default_factory=IgnoreMatcher)
    name: str = "build context"
    hashes: MutableMapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._root_str = str(self.root)

    @classmethod
    def open(cls, context_dir: str | os.PathLike[str], dockerfile: str | os.PathLike[str] | None = None,
             name: str = "build context", hashes: MutableMapping[str, str] | None = None) -> "BuildContext":
        """Open a context; ``hashes`` is a file-digest cache (keys are strings of path and stat identity)
        that a caller may keep between builds so an unchanged context is not re-read."""
        root = Path(context_dir).resolve()
        if not root.is_dir():
            raise BuildContextError(f"{name} {root}: not a directory; point the build context at a directory")
        dfile = Path(dockerfile).resolve() if dockerfile is not None else None
        keep = [".dockerignore", "Dockerfile"]
        if dfile is not None and dfile.is_relative_to(root):
            keep.append(dfile.relative_to(root).as_posix())
        return cls(root, load_ignore(root, dfile, tuple(keep)), name, {} if hashes is None else hashes)

    def ignored(self, rel: str) -> bool:
        return rel != "." and self.ignore.ignored(rel)

    def _spath(self, rel: str) -> str:
        return self._root_str if rel == "." else f"{self._root_str}/{rel}"

    def _path(self, rel: str) -> Path:
        return self.root if rel == "." else self.root / rel

    def resolve(self, source: str, exclude: IgnoreMatcher | None = None) -> tuple[ContextSource, ...]:
        """The included entries a COPY source names (wildcards expanded, sorted); error if none.

        ``exclude`` (COPY --exclude) applies to a match's name and to paths inside a matched directory.
        """
        rel = clean_source(source)
        if has_magic(rel):
            matches = sorted(self._glob(rel))
        else:
            rel = _unescape(rel)
            matches = [rel] if os.path.lexists(self._path(rel)) and not self.ignored(rel) else []
        if exclude is not None:
            matches = [m for m in matches if m == "." or not exclude.ignored(m.rsplit("/", 1)[-1])]
        if not matches:
            raise BuildContextError(self._missing(source, rel))
        return tuple(self.source(m, exclude) for m in matches)

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

    def source(self, rel: str, exclude: IgnoreMatcher | None = None) -> ContextSource:
        """A named source. A symlink is followed (as COPY does for the path it is given) if it stays inside."""
        path = self._path(rel)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            target = Path(os.path.realpath(path))
            if target.exists() and target.is_relative_to(self.root):
                inner = self.source(target.relative_to(self.root).as_posix() or ".", exclude)
                return ContextSource(rel, inner.kind, inner.digest, inner.archive)
            link = hashlib.sha256(os.readlink(path).encode()).hexdigest()
            return ContextSource(rel, "symlink", "sha256:" + link)
        if stat.S_ISDIR(st.st_mode):
            return ContextSource(rel, "dir", self.digest(rel, exclude))
        return ContextSource(rel, "file", self.digest(rel), archive=_is_archive(path))

    def walk(self, rel: str = ".") -> Iterator[tuple[str, os.stat_result]]:
        """Every included entry strictly below directory ``rel``, depth first, sorted by name."""
        try:
            with os.scandir(self._spath(rel)) as it:
                found = sorted((e.name, e.stat(follow_symlinks=False)) for e in it)
        except NotADirectoryError:
            return
        check = bool(self.ignore.patterns)
        for name, st in found:
            child = name if rel == "." else f"{rel}/{name}"
            is_dir = stat.S_ISDIR(st.st_mode)
            if check and self.ignored(child):
                if is_dir and self.ignore.may_reinclude_under(child):
                    yield from self.walk(child)
                continue
            yield child, st
            if is_dir:
                yield from self.walk(child)

    def entries(self, rel: str,
                exclude: IgnoreMatcher | None = None) -> Iterator[tuple[str, Path, os.stat_result]]:
        """What copying source ``rel`` copies: (path relative to ``rel``, absolute path, lstat) per entry.

        A file gives one entry named after itself; a directory gives its included contents (not itself).
        """
        path = self._path(rel)
        st = os.stat(path) if os.path.islink(path) and path.resolve().is_relative_to(self.root) else os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            yield posixpath.basename(rel), path, st
            return
        real = path.resolve().relative_to(self.root).as_posix() or "."
        prefix = 0 if real == "." else len(real) + 1
        for child, cst in self.walk(real):
            name = child[prefix:]
            if exclude is None or not exclude.ignored(name):
                yield name, self._path(child), cst

    def file_digest(self, rel: str, st: os.stat_result | None = None) -> str:
        path = self._spath(rel)
        st = st or os.lstat(path)
        key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
        cached = self.hashes.get(key)
        if cached is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    digest.update(chunk)
            cached = self.hashes[key] = "sha256:" + digest.hexdigest()
        return cached

    def digest(self, rel: str = ".", exclude: IgnoreMatcher | None = None) -> str:
        """Content digest of a file, or of a directory's included tree (minus ``exclude``, relative to it)."""
        path = self._path(rel)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            return self.file_digest(rel, st)
        total = hashlib.sha256()
        prefix = 0 if rel == "." else len(rel) + 1
        for child, cst in self.walk(rel):
            if exclude is not None and exclude.ignored(child[prefix:]):
                continue
            total.update(_entry_line(child[prefix:], cst, self, child))
        return "sha256:" + total.hexdigest()


def _entry_line(name: str, st: os.stat_result, ctx: BuildContext, rel: str) -> bytes:
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        kind, content = "l", os.readlink(ctx._spath(rel))
    elif stat.S_ISDIR(st.st_mode):
        kind, content = "d", ""
    elif stat.S_ISREG(st.st_mode):
        kind, content = "f", ctx.file_digest(rel, st)
    else:
        kind, content = "o", ""
    return f"{name}\0{kind}\0{mode:o}\0{content}\n".encode("utf-8", "surrogateescape")
