"""Inline YAML through the last loader stages (canonical -> normalize -> bind), for attribute tests."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from compose.loader.bind import bind
from compose.loader.canonical import canonicalize
from compose.loader.normalize import normalize
from compose.model import Project, Service

PROJECT_DIR = Path("/project")
HOME = "/home/user"


def parse(text: str) -> dict[str, Any]:
    """Inline YAML -> plain data."""
    return yaml.safe_load(textwrap.dedent(text))


def canonical(text: str) -> dict[str, Any]:
    """Inline YAML -> canonical (long syntax) dict."""
    return canonicalize(parse(text))


def normalized(text: str, environ: Mapping[str, str] | None = None, name: str = "test") -> dict[str, Any]:
    """Inline YAML -> canonical and normalized dict (project ``test`` in ``/project``)."""
    env = {"HOME": HOME, **(environ or {})}
    return normalize(canonicalize(parse(text)), project_name=name, project_dir=PROJECT_DIR, environ=env)


def project(text: str, environ: Mapping[str, str] | None = None, name: str = "test") -> Project:
    """Inline YAML -> typed Project (``environ``: for ``${VAR}`` and ``environment:`` secrets and configs)."""
    return bind(normalized(text, environ, name), working_dir=str(PROJECT_DIR), environment=environ or {})


def service(text: str, name: str = "web", environ: Mapping[str, str] | None = None) -> Service:
    """Inline YAML of a single ``services:`` document -> the named typed Service."""
    return project(text, environ).services[name]


def one_service(body: str, environ: Mapping[str, str] | None = None) -> Service:
    """``body`` is the indented YAML of service ``web`` (without the ``services: web:`` head)."""
    text = "services:\n  web:\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return service(text, "web", environ)


def canonical_service_of(body: str) -> dict[str, Any]:
    """The canonical dict of service ``web`` from its indented YAML body."""
    text = "services:\n  web:\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return canonicalize(parse(text))["services"]["web"]


def compose_go_inline(go_file: str, test: str, role: str) -> dict[str, Any]:
    """A YAML literal of compose-go's tests from the corpus (``_inline/loader/<go_file>/<test>__NN_<role>.yaml``)."""
    from tests.support.paths import corpus_dir

    folder = corpus_dir() / "compose-go" / "_inline" / "loader" / go_file
    (path,) = folder.glob(f"{test}__*_{role}.yaml")
    return parse(path.read_text())
