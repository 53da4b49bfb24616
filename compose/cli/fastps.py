"""``dockyard ps`` without typer or click (see ``compose.cli.fast``): its flags and service names, in any order
click allows; ``--``, ``-``, a bad ``--format`` or anything unknown is left to typer."""

from __future__ import annotations

import os
from typing import Any

from compose.cli.fast import GiveUp, global_options, split_globals, take

_PS_VALUES = {"--status": "status", "--filter": "filters", "--format": "format"}
_PS_FLAGS = {"-a": "all", "--all": "all", "-q": "quiet", "--quiet": "quiet", "--services": "list_services"}
_PS_MULTI = {"status", "filters"}
_FORMATS = ("table", "json", "jsonl")


def parse(argv: list[str], environ: dict[str, str] | None = None) -> tuple[Any, Any] | None:
    """(GlobalOptions, PsOptions) for a plain ``dockyard [global flags] ps [flags] [SERVICE...]``, else None."""
    environ = os.environ if environ is None else environ
    try:
        g, i = split_globals(argv, environ)
        if i >= len(argv) or argv[i] != "ps":
            return None
        p: dict[str, Any] = {}
        services: list[str] = []
        i += 1
        while i < len(argv):
            if argv[i] == "--" or argv[i] == "-":
                return None
            if argv[i].startswith("-"):
                i = take(argv, i, _PS_VALUES, _PS_FLAGS, _PS_MULTI, p)
            else:
                services.append(argv[i])
                i += 1
        if p.get("format", "table") not in _FORMATS and "{{" not in p.get("format", ""):
            return None
        gopts = global_options(g, environ)
    except GiveUp:
        return None
    from compose.options import PsOptions

    opts = PsOptions(tuple(services), bool(p.get("all")), bool(p.get("quiet")), bool(p.get("list_services")),
                     tuple(p.get("status", ())), tuple(p.get("filters", ())), p.get("format", "table"))
    return gopts, opts
