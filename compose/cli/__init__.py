"""The `dockyard` command: one small function per verb (flags -> *Options -> compose.service -> console).

This package is the only typer importer and the only place that exits. Each module holds one group of verbs:
``project`` (config, up, create, down), ``lifecycle`` (start, stop, ..., run, exec), ``queries`` (ps, logs, ...),
``images`` (pull, push, build, ``image ...``), ``containers`` (``container ...``), ``resources`` (``network ...``,
``volume ...``). Heavy modules are imported inside the verbs so that ``dockyard --help`` and ``ps`` start fast;
``app`` (typer and every verb module) is loaded on first use, and ``main`` runs a plain ``ps``, ``down`` or
``container run`` without it (``compose.cli.fast``).
"""

from __future__ import annotations

import sys
from typing import Any

from compose.cli.session import VERSION, set_runtime_factory

__all__ = ["VERSION", "app", "main", "set_runtime_factory"]


# Each verb module and the top-level verbs and groups it registers, in `dockyard --help` order.
VERB_MODULES = {
    "project": ("version", "config", "up", "create", "scale", "watch", "down"),
    "lifecycle": ("start", "stop", "restart", "kill", "pause", "unpause", "rm", "exec", "run", "cp", "commit", "export"),
    "queries": ("ps", "logs", "ls", "port", "top", "wait", "images", "events", "stats"),
    "images": ("pull", "push", "build", "image"),
    "containers": ("container",),
    "resources": ("network", "volume"),
}
_MODULE_OF = {verb: module for module, verbs in VERB_MODULES.items() for verb in verbs}


def _load_app(argv: list[str] | None = None) -> Any:
    """The typer app with every verb module, or, for a command line ``argv`` that names a known verb, with that
    verb's module only: click builds a command for every registered function, which costs more than many verbs'
    work. (The partial app is for ``main``, whose process ends with the verb; ``app`` is always the whole one.)"""
    import importlib

    from compose.cli.base import app

    module = _verb_module(argv) if argv is not None else None
    for name in (module,) if module else VERB_MODULES:
        importlib.import_module(f"compose.cli.{name}")
    if module is None:
        globals()["app"] = app
    return app


def _verb_module(argv: list[str]) -> str | None:
    import os

    from compose.cli.fast import GiveUp, split_globals

    try:
        _, i = split_globals(argv, os.environ)
    except GiveUp:  # --help, --version, shell completion, an unknown flag: the whole app
        return None
    return _MODULE_OF.get(argv[i]) if i < len(argv) else None


def __getattr__(name: str) -> Any:
    if name == "app":
        return _load_app()
    raise AttributeError(f"module 'compose.cli' has no attribute {name!r}")


def entry() -> None:
    """The ``dockyard`` console script (and ``python -m compose.cli``): ``main``, ending the process without the
    interpreter's teardown once a fast path has done its verb (see ``_exit_now``)."""
    main(exit_now=True)


def main(exit_now: bool = False) -> None:
    """Runs the app and turns dockyard's errors into one line and an exit code. ``exit_now``: the process ends as
    soon as a fast path's verb is done (only for the process's own entry point: ``entry``)."""
    import atexit
    import gc

    # Importing the verb's modules makes ~40k objects that live as long as the process; with the default young
    # threshold (700) the collector walks them ~45 times for nothing (~10 ms). Garbage is still collected, later.
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, *threshold[1:])
    # At exit, after the atexit calls, the interpreter runs full collections over every object of every module
    # loaded (20-40 ms for a `container run`). Frozen objects are skipped; objects freed as modules are torn down
    # are still finalized (files flushed), only garbage cycles go unfinalized, which Python never promises at exit.
    atexit.unregister(gc.freeze)  # once, however often main runs in one process (tests)
    atexit.register(gc.freeze)
    try:
        _main(exit_now)
    finally:
        gc.set_threshold(*threshold)  # as it was, for a caller that goes on (tests)


def _main(exit_now: bool = False) -> None:
    from compose.cli import fast

    try:
        code = fast.run(sys.argv[1:])
        if code is not None:
            if exit_now:
                _exit_now(code)
            sys.exit(code)
        _load_app(sys.argv[1:])()
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


def _exit_now(code: int) -> None:
    """End the process as a C program ends: the atexit calls run and stdout/stderr are flushed, but the interpreter
    does not tear itself down (freeing the objects of every module loaded, one by one: 15-20 ms of a ``container
    run``, more for ``down``). Files are closed by their ``with`` blocks before this point; the kernel closes the
    descriptors. Returns (for a normal exit) only while a non-daemon thread still runs, which a normal exit waits
    for."""
    import atexit
    import os
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    atexit._run_exitfuncs()  # noqa: SLF001 - what the interpreter's own exit would run first
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: as a normal exit, nothing more to write
            pass
    os._exit(code)
