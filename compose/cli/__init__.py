"""The `dockyard` command: one small function per verb (flags -> *Options -> compose.service -> console).

This package is the only typer importer and the only place that exits. Each module holds one group of verbs:
``project`` (config, up, create, down), ``lifecycle`` (start, stop, ..., run, exec), ``queries`` (ps, logs, ...),
``images`` (pull, push, build, ``image ...``), ``containers`` (``container ...``), ``resources`` (``network ...``,
``volume ...``). Heavy modules are imported inside the verbs so that ``dockyard --help`` and ``ps`` start fast;
``app`` (typer and every verb module) is loaded on first use, and ``main`` runs a plain ``ps`` without it
(``compose.cli.fastps``).
"""

from __future__ import annotations

import sys
from typing import Any

from compose.cli.session import VERSION, set_runtime_factory

__all__ = ["VERSION", "app", "main", "set_runtime_factory"]


def _load_app() -> Any:
    from compose.cli.base import app

    # Importing a verb module registers its commands; this order (not alphabetical) is the order of `dockyard --help`.
    # ruff: noqa: I001
    from compose.cli import project  # noqa: F401
    from compose.cli import lifecycle  # noqa: F401
    from compose.cli import queries  # noqa: F401
    from compose.cli import images  # noqa: F401
    from compose.cli import containers  # noqa: F401
    from compose.cli import resources  # noqa: F401

    globals()["app"] = app
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _load_app()
    raise AttributeError(f"module 'compose.cli' has no attribute {name!r}")


def main() -> None:
    """Console entry point: runs the app and turns dockyard's errors into one line and an exit code."""
    from compose.cli import fastps

    code = fastps.run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    app = _load_app()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # dockyard's own errors become one line; the error modules load only then
        from compose.errors import ComposeError
        from runtime import ContainerRuntimeError

        if not isinstance(exc, (ComposeError, ContainerRuntimeError)):
            raise
        from compose.console import Console

        Console().error(str(exc))
        sys.exit(getattr(exc, "exit_code", 1))
