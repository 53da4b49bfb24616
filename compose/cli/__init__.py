"""The `dockyard` command: one small function per verb (flags -> *Options -> compose.service -> console).

This package is the only typer importer and the only place that exits. Each module holds one group of verbs:
``project`` (config, up, create, down), ``lifecycle`` (start, stop, ..., run, exec), ``queries`` (ps, logs, ...),
``images`` (pull, push, build, ``image ...``), ``containers`` (``container ...``), ``resources`` (``network ...``,
``volume ...``). Heavy modules are imported inside the verbs so that ``dockyard --help`` and ``ps`` start fast.
"""

from __future__ import annotations

import sys

from compose.cli.base import VERSION, app, set_runtime_factory

# Importing a verb module registers its commands; this order (not alphabetical) is the order of `dockyard --help`.
# ruff: noqa: I001
from compose.cli import project  # noqa: F401
from compose.cli import lifecycle  # noqa: F401
from compose.cli import queries  # noqa: F401
from compose.cli import images  # noqa: F401
from compose.cli import containers  # noqa: F401
from compose.cli import resources  # noqa: F401

__all__ = ["VERSION", "app", "main", "set_runtime_factory"]


def main() -> None:
    """Console entry point: runs the app and turns dockyard's errors into one line and an exit code."""
    from compose.errors import ComposeError
    from runtime import ContainerRuntimeError
    try:
        app()
    except (ComposeError, ContainerRuntimeError) as exc:
        from compose.console import Console

        Console().error(str(exc))
        sys.exit(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        sys.exit(130)
