"""Image references: ``[registry[:port]/]repository[:tag][@digest]`` with Docker Hub defaults.

``nginx`` -> ``docker.io/library/nginx:latest``; ``localhost:5000/app`` keeps its registry; a digest pins content.
"""

from __future__ import annotations

import re
from dataclasses import replace

from runtime.errors import InvalidReferenceError
from runtime.records import record

DEFAULT_REGISTRY = "docker.io"
DEFAULT_TAG = "latest"
HUB_API_HOST = "registry-1.docker.io"
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io"}

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([A-Za-z0-9=_-]+)")
_DOMAIN_PART = re.compile(r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])")
_PORT = re.compile(r"[0-9]{1,5}")
_MAX_NAME = 255


@record
class Reference:
    """A parsed, normalized image reference. ``tag`` is None only when a digest pins the image."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``registry/repository`` (no tag, no digest)."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_host(self) -> str:
        """Host[:port] to talk to: Docker Hub's API lives on ``registry-1.docker.io``."""
        return HUB_API_HOST if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def manifest_ref(self) -> str:
        """What to ask the registry for: the digest if pinned, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    def familiar(self) -> str:
        """The short form Docker shows: ``nginx:latest``, ``user/app:1``, ``localhost:5000/app:1``."""
        name = self.repository if self.registry == DEFAULT_REGISTRY else self.name
        if self.registry == DEFAULT_REGISTRY and name.startswith("library/"):
            name = name[len("library/"):]
        text = name + (f":{self.tag}" if self.tag else "")
        return text + (f"@{self.digest}" if self.digest else "")

    def with_tag(self, tag: str) -> Reference:
        if not _TAG.fullmatch(tag):
            raise InvalidReferenceError(f"invalid tag {tag!r}: use letters, digits, '_', '.', '-' (max 128)")
        return replace(self, tag=tag, digest=None)

    def with_digest(self, digest: str) -> Reference:
        validate_digest(digest, context=str(self))
        return replace(self, tag=None, digest=digest)

    def tagged(self) -> str:
        """``registry/repo:tag`` (the key of a tag in the local store)."""
        return f"{self.name}:{self.tag or DEFAULT_TAG}"


def validate_digest(digest: str, *, context: str = "") -> str:
    """Check ``algo:hex``; sha256 needs exactly 64 lowercase hex digits. Returns the digest."""
    where = f" in {context!r}" if context else ""
    match = _DIGEST.fullmatch(digest)
    if not match:
        raise InvalidReferenceError(f"invalid digest {digest!r}{where}: expected 'sha256:<64 hex digits>'")
    algo, hexpart = match.groups()
    if algo == "sha256" and not re.fullmatch(r"[0-9a-f]{64}", hexpart):
        raise InvalidReferenceError(f"invalid sha256 digest {digest!r}{where}: needs 64 lowercase hex digits")
    if algo not in ("sha256", "sha512"):
        raise InvalidReferenceError(f"unsupported digest algorithm {algo!r}{where}: use sha256")
    return digest


def parse_reference(text: str) -> Reference:
    """Parse and normalize ``text``; raise InvalidReferenceError saying what is wrong."""
    if not text or text != text.strip():
        raise InvalidReferenceError(f"invalid reference {text!r}: empty or surrounded by whitespace")
    remainder, digest = text, None
    if "@" in remainder:
        remainder, digest = remainder.split("@", 1)
        validate_digest(digest, context=text)
    registry, path = _split_registry(remainder)
    tag = None
    last_slash = path.rfind("/")
    if ":" in path[last_slash + 1:]:
        path, tag = path.rsplit(":", 1)
        if not _TAG.fullmatch(tag):
            raise InvalidReferenceError(
                f"invalid reference {text!r}: bad tag {tag!r} (letters, digits, '_', '.', '-'; max 128)")
    _check_path(path, text)
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = f"library/{path}"
    if len(f"{registry}/{path}") > _MAX_NAME:
        raise InvalidReferenceError(f"invalid reference {text!r}: name longer than {_MAX_NAME} characters")
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return Reference(registry=registry, repository=path, tag=tag, digest=digest)


def _split_registry(text: str) -> tuple[str, str]:
    first, sep, rest = text.partition("/")
    is_domain = sep and ("." in first or ":" in first or first == "localhost" or first.lower() != first)
    if not is_domain:
        return DEFAULT_REGISTRY, text
    host, _, port = first.partition(":")
    parts = host.split(".") if not host.startswith("[") else []
    if host.startswith("[") and host.endswith("]"):
        pass  # an IPv6 literal: accepted as written
    elif not host or not all(_DOMAIN_PART.fullmatch(p) for p in parts):
        raise InvalidReferenceError(f"invalid reference {text!r}: bad registry host {host!r}")
    if ":" in first and not _PORT.fullmatch(port):
        raise InvalidReferenceError(f"invalid reference {text!r}: bad registry port {port!r}")
    registry = DEFAULT_REGISTRY if first in _HUB_ALIASES else first
    return registry, rest


def _check_path(path: str, text: str) -> None:
    if not path:
        raise InvalidReferenceError(f"invalid reference {text!r}: missing repository name")
    for component in path.split("/"):
        if component != component.lower():
            raise InvalidReferenceError(
                f"invalid reference {text!r}: repository name must be lowercase ({component!r})")
        if not _COMPONENT.fullmatch(component):
            raise InvalidReferenceError(
                f"invalid reference {text!r}: bad path component {component!r} "
                "(lowercase letters and digits, separated by '.', '_', '__' or '-')")
