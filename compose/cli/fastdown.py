"""``dockyard down`` without typer or click (see ``compose.cli.fast``): its flags and service names, in any order
click allows; ``--``, ``-``, a ``--rmi`` other than local/all, a ``--timeout`` click might read differently, or
anything unknown is left to typer."""

from __future__ import annotations

import os
import re
from typing import Any

from compose.cli.fast import GiveUp, global_options, split_globals, take

_DOWN_VALUES = {"--rmi": "rmi", "-t": "timeout", "--timeout": "timeout"}
_DOWN_FLAGS = {"-v": "volumes", "--volumes": "volumes", "--remove-orphans": "remove_orphans", "--all": "all_profiles"}
_RMI = ("local", "all")
_FLOAT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def parse(argv: list[str], environ: dict[str, str] | None = None) -> tuple[Any, Any, bool] | None:
    """(GlobalOptions, DownOptions, ``--all``) for a plain ``dockyard [global flags] down [flags] [SERVICE...]``,
    else None."""
    environ = os.environ if environ is None else environ
    try:
        g, i = split_globals(argv, environ)
        if i >= len(argv) or argv[i] != "down":
            return None
        d: dict[str, Any] = {}
        services: list[str] = []
        i += 1
        while i < len(argv):
            if argv[i] in ("--", "-"):
                return None
            if argv[i].startswith("-"):
                i = take(argv, i, _DOWN_VALUES, _DOWN_FLAGS, set(), d)
            else:
                services.append(argv[i])
                i += 1
        if d.get("rmi", "local") not in _RMI or not _FLOAT.match(d.get("timeout", "0")):
            return None
        gopts = global_options(g, environ)
    except GiveUp:
        return None
    from compose.options import DownOptions

    timeout = float(d["timeout"]) if "timeout" in d else None
    opts = DownOptions(bool(d.get("volumes")), d.get("rmi"), bool(d.get("remove_orphans")), timeout,
                       tuple(services), gopts.parallel)
    return gopts, opts, bool(d.get("all_profiles"))
