"""What a build is asked to do (``BuildRequest``) and what it reports while it runs (``BuildEvent``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BuildRequest:
    """One ``docker build``: the context, the Dockerfile (a path, relative to the context, or inline text) and
    options as compose's ``build:`` spells them. ``network`` is ``none`` (the default here) or ``host``;
    ``extra_hosts`` are (hostname, ip) pairs; ``additional_contexts`` map a name to a dir or ``docker-image://REF``.
    """

    context_dir: Path
    dockerfile: Path | None = None
    dockerfile_inline: str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    tags: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    no_cache: bool = False
    pull: bool = False
    network: str | None = None
    extra_hosts: tuple[tuple[str, str], ...] = ()
    shm_size: int | None = None
    additional_contexts: Mapping[str, str] = field(default_factory=dict)
    platform: str | None = None


@dataclass(frozen=True)
class BuildEvent:
    """Progress of a build, for a console.

    ``kind``: ``pull`` (a base image is fetched), ``step`` (a step starts), ``cached`` (a step's result came from
    the cache), ``output`` (one line a RUN printed, in ``text``), ``done`` (a step finished, ``seconds`` set),
    ``image`` (the image is stored; ``text`` is its id).
    """

    kind: str
    stage: str = ""
    step: int = 0
    steps: int = 0
    line: int = 0
    text: str = ""
    seconds: float = 0.0


ProgressFn = Callable[[BuildEvent], None]
