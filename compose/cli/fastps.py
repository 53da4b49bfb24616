"""``dockyard ps`` without typer or click: a strict parser for the command lines ``ps`` is usually given.

It accepts only what it is sure click would parse the same way (the global flags, ``ps`` and its flags and service
names, in any order click allows) and gives up (returns None) on anything else: ``--help``, ``--version``, ``--``,
unknown or malformed options, a bad ``--format`` or ``COMPOSE_PARALLEL_LIMIT``. The caller then runs the full typer
app, so every other case (and every error message about flags) stays typer's. The work itself is
``session.show_ps``, the same function the typer command calls.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

# option -> field, for options that take a value (the ones listed in MULTI may repeat)
_GLOBAL_VALUES = {"-f": "files", "--file": "files", "-p": "project_name", "--project-name": "project_name",
                  "--project-directory": "project_directory", "--env-file": "env_files", "--profile": "profiles",
                  "--ansi": "ansi", "--parallel": "parallel"}
_GLOBAL_FLAGS = {"--dry-run": "dry_run"}
_PS_VALUES = {"--status": "status", "--filter": "filters", "--format": "format"}
_PS_FLAGS = {"-a": "all", "--all": "all", "-q": "quiet", "--quiet": "quiet", "--services": "list_services"}
_MULTI = {"files", "env_files", "profiles", "status", "filters"}
_FORMATS = ("table", "json", "jsonl")
_INT = re.compile(r"^-?[0-9]+$")


class _GiveUp(Exception):
    """The command line is not one this parser is sure about: let typer handle it."""


def _take(args: list[str], i: int, values: dict[str, str], flags: dict[str, str], out: dict[str, Any]) -> int:
    """Consume the option at ``args[i]`` into ``out``; the index after it."""
    token = args[i]
    name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
    if token.startswith("--"):
        if name in flags and not eq:
            out[flags[name]] = True
            return i + 1
        if name not in values:
            raise _GiveUp(token)
        if not eq:
            if i + 1 >= len(args):
                raise _GiveUp(token)
            attached, i = args[i + 1], i + 1
        _store(out, values[name], attached)
        return i + 1
    short, rest = token[:2], token[2:]
    if short in values:
        if not rest:
            if i + 1 >= len(args):
                raise _GiveUp(token)
            rest, i = args[i + 1], i + 1
        _store(out, values[short], rest)
        return i + 1
    if all(f"-{c}" in flags for c in token[1:]):  # -a, -q, -aq
        for c in token[1:]:
            out[flags[f"-{c}"]] = True
        return i + 1
    raise _GiveUp(token)


def _store(out: dict[str, Any], key: str, value: str) -> None:
    if key in _MULTI:
        out.setdefault(key, []).append(value)
    else:
        out[key] = value


def parse(argv: list[str], environ: dict[str, str] | None = None) -> tuple[Any, Any] | None:
    """(GlobalOptions, PsOptions) for a plain ``dockyard [global flags] ps [flags] [SERVICE...]``, else None."""
    environ = os.environ if environ is None else environ
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in environ):
        return None  # click's shell completion protocol
    try:
        g: dict[str, Any] = {}
        i = 0
        while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
            i = _take(argv, i, _GLOBAL_VALUES, _GLOBAL_FLAGS, g)
        if i >= len(argv) or argv[i] != "ps":
            return None
        p: dict[str, Any] = {}
        services: list[str] = []
        i += 1
        while i < len(argv):
            if argv[i] == "--" or argv[i] == "-":
                return None
            if argv[i].startswith("-"):
                i = _take(argv, i, _PS_VALUES, _PS_FLAGS, p)
            else:
                services.append(argv[i])
                i += 1
    except _GiveUp:
        return None
    return _options(g, p, services, environ)


def _options(g: dict[str, Any], p: dict[str, Any], services: list[str], environ: Any) -> tuple[Any, Any] | None:
    parallel = g.get("parallel", environ.get("COMPOSE_PARALLEL_LIMIT"))
    if parallel is not None and not _INT.match(parallel):
        return None
    if p.get("format", "table") not in _FORMATS or g.get("project_directory") == "":
        return None
    from compose.options import GlobalOptions, PsOptions

    parallel_n = int(parallel) if parallel is not None else -1
    gopts = GlobalOptions(
        files=tuple(g.get("files", ())), project_name=g.get("project_name"),
        project_directory=Path(g["project_directory"]) if "project_directory" in g else None,
        env_files=tuple(g.get("env_files", ())), profiles=tuple(g.get("profiles", ())), ansi=g.get("ansi", "auto"),
        dry_run=bool(g.get("dry_run")), parallel=parallel_n if parallel_n > 0 else None,
    )
    opts = PsOptions(tuple(services), bool(p.get("all")), bool(p.get("quiet")), bool(p.get("list_services")),
                     tuple(p.get("status", ())), tuple(p.get("filters", ())), p.get("format", "table"))
    return gopts, opts


def run(argv: list[str]) -> int | None:
    """Run ``ps`` if ``argv`` is a command line this module understands: its exit code; None: use typer."""
    parsed = parse(argv)
    if parsed is None:
        return None
    gopts, opts = parsed
    from compose.cli.session import console, show_ps
    from compose.errors import ComposeError
    from runtime import ContainerRuntimeError

    try:
        show_ps(gopts, opts)
        sys.stdout.flush()
    except (ComposeError, ContainerRuntimeError) as exc:
        console(gopts).error(str(exc))
        return int(getattr(exc, "exit_code", 1))
    except BrokenPipeError:  # as click: `dockyard ps | head` ends quietly with 1
        sys.stdout, sys.stderr = _Pacified(sys.stdout), _Pacified(sys.stderr)
        return 1
    return 0


class _Pacified:
    """stdout after a broken pipe: further flushes (at exit) are ignored, as click's PacifyFlushWrapper does."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)
