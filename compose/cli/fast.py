"""Verbs that run without typer or click: ``ps`` (``fastps``), ``down`` (``fastdown``) and ``container run``
(``fastrun``).

A strict parser for the command lines these verbs are usually given: it accepts only what it is sure click would
parse the same way (the global flags, the verb's own flags and arguments) and gives up (None) on anything else:
``--help``, ``--version``, unknown or malformed options, values click would convert differently. The caller then runs
the full typer app, so every other case (and every error message about flags) stays typer's. The work itself is the
function in ``compose.cli.session`` that the typer command calls too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# global option -> field, for options that take a value (the ones listed in MULTI may repeat)
GLOBAL_VALUES = {"-f": "files", "--file": "files", "-p": "project_name", "--project-name": "project_name",
                 "--project-directory": "project_directory", "--env-file": "env_files", "--profile": "profiles",
                 "--ansi": "ansi", "--parallel": "parallel"}
GLOBAL_FLAGS = {"--dry-run": "dry_run"}
GLOBAL_MULTI = {"files", "env_files", "profiles"}
INT = re.compile(r"^-?[0-9]+$")


class GiveUp(Exception):
    """The command line is not one this parser is sure about: let typer handle it."""


def take(args: list[str], i: int, values: dict[str, str], flags: dict[str, str], multi: set[str],
         out: dict[str, Any]) -> int:
    """Consume the option at ``args[i]`` into ``out``; the index after it."""
    token = args[i]
    name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
    if token.startswith("--"):
        if name in flags and not eq:
            out[flags[name]] = True
            return i + 1
        if name not in values:
            raise GiveUp(token)
        value, i = _value(args, i, attached if eq else None)
        _store(out, values[name], value, multi)
        return i + 1
    short, rest = token[:2], token[2:]
    if short in values:
        value, i = _value(args, i, rest or None)
        _store(out, values[short], value, multi)
        return i + 1
    if all(f"-{c}" in flags for c in token[1:]):  # -a, -q, -aq
        for c in token[1:]:
            out[flags[f"-{c}"]] = True
        return i + 1
    raise GiveUp(token)


def _store(out: dict[str, Any], key: str, value: str, multi: set[str]) -> None:
    if key in multi:
        out.setdefault(key, []).append(value)
    else:
        out[key] = value


def split_globals(argv: list[str], environ: Any) -> tuple[dict[str, Any], int]:
    """The global options before the verb, and the verb's index; GiveUp when unsure."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in environ):
        raise GiveUp("completion")  # click's shell completion protocol
    g: dict[str, Any] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        i = take(argv, i, GLOBAL_VALUES, GLOBAL_FLAGS, GLOBAL_MULTI, g)
    return g, i


def global_options(g: dict[str, Any], environ: Any) -> Any:
    """``GlobalOptions`` as the typer callback makes them; GiveUp where typer would complain."""
    parallel = g.get("parallel", environ.get("COMPOSE_PARALLEL_LIMIT"))
    if parallel is not None and not INT.match(parallel):
        raise GiveUp("--parallel")
    if g.get("project_directory") == "":
        raise GiveUp("--project-directory")
    from compose.options import GlobalOptions

    parallel_n = int(parallel) if parallel is not None else -1
    return GlobalOptions(
        files=tuple(g.get("files", ())), project_name=g.get("project_name"),
        project_directory=Path(g["project_directory"]) if "project_directory" in g else None,
        env_files=tuple(g.get("env_files", ())), profiles=tuple(g.get("profiles", ())), ansi=g.get("ansi", "auto"),
        dry_run=bool(g.get("dry_run")), parallel=parallel_n if parallel_n > 0 else None,
    )


def _work(argv: list[str]) -> tuple[Any, Callable[[], int]] | None:
    """(GlobalOptions, the verb's body) for a command line a fast path understands, else None."""
    from compose.cli import fastps, session

    parsed = fastps.parse(argv)
    if parsed is not None:
        return parsed[0], lambda: session.show_ps(*parsed) or 0
    if "container" in argv:
        from compose.cli import fastrun

        parsed = fastrun.parse(argv)
        if parsed is not None:
            return parsed[0], lambda: session.run_container(*parsed)
    if "down" in argv:
        from compose.cli import fastdown

        found = fastdown.parse(argv)
        if found is not None:
            return found[0], lambda: session.take_down(*found) or 0
    return None


def run(argv: list[str]) -> int | None:
    """Run the verb if ``argv`` is a command line a fast path understands: its exit code; None: use typer."""
    found = _work(argv)
    if found is None:
        return None
    gopts, work = found
    from compose.cli.session import console
    from compose.errors import ComposeError
    from runtime import ContainerRuntimeError

    try:
        code = work()
        sys.stdout.flush()
    except (ComposeError, ContainerRuntimeError) as exc:
        console(gopts).error(str(exc))
        return int(getattr(exc, "exit_code", 1))
    except BrokenPipeError:  # as click: `dockyard ps | head` ends quietly with 1
        sys.stdout, sys.stderr = _Pacified(sys.stdout), _Pacified(sys.stderr)
        return 1
    return code


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


def _value(args: list[str], i: int, inline: str | None) -> tuple[str, int]:
    """An option's value: the one attached to ``args[i]`` (``--opt=v``, ``-ov``), else the next argument."""
    if inline is not None:
        return inline, i
    if i + 1 >= len(args):
        raise GiveUp(args[i])
    return args[i + 1], i + 1
