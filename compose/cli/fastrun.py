"""``dockyard container run`` without typer or click (see ``compose.cli.fast``): its flags before the image, the
image, and the command after it (everything after the image is the command's, as ``docker run`` reads it).
``-h`` (``--hostname`` here, help elsewhere), ``--``, ``-``, or a value click would convert differently is left to
typer."""

from __future__ import annotations

import os
import re
from typing import Any

from compose.cli.fast import INT, GiveUp, global_options, split_globals, take

_VALUES = {"--name": "name", "-e": "env", "--env": "env", "-p": "publish", "--publish": "publish", "-v": "volumes",
           "--volume": "volumes", "--entrypoint": "entrypoint", "-u": "user", "--user": "user", "-w": "workdir",
           "--workdir": "workdir", "-l": "labels", "--label": "labels", "--network": "network",
           "--restart": "restart", "--hostname": "hostname", "--cap-add": "cap_add", "--cap-drop": "cap_drop",
           "-m": "memory", "--memory": "memory", "--cpus": "cpus", "--pids-limit": "pids_limit"}
_FLAGS = {"-d": "detach", "--detach": "detach", "--rm": "remove", "-t": "tty", "--tty": "tty", "-i": "interactive",
          "--interactive": "interactive", "--privileged": "privileged", "--read-only": "read_only", "--init": "init"}
_MULTI = {"env", "publish", "volumes", "labels", "cap_add", "cap_drop"}
_FLOAT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def parse(argv: list[str], environ: dict[str, str] | None = None) -> tuple[Any, Any] | None:
    """(GlobalOptions, RunOptions) for ``dockyard [global flags] container run [flags] IMAGE [COMMAND...]``, else
    None."""
    environ = os.environ if environ is None else environ
    try:
        g, i = split_globals(argv, environ)
        if argv[i : i + 2] != ["container", "run"]:
            return None
        r: dict[str, Any] = {}
        i += 2
        while i < len(argv) and argv[i].startswith("-"):
            if argv[i] in ("-", "--") or argv[i].startswith("-h"):
                return None
            i = take(argv, i, _VALUES, _FLAGS, _MULTI, r)
        if i >= len(argv):
            return None
        _convert(r)
        gopts = global_options(g, environ)
    except GiveUp:
        return None
    from compose.engine import RunOptions

    multi = {key: tuple(r.pop(key, ())) for key in _MULTI}
    return gopts, RunOptions(argv[i], tuple(argv[i + 1 :]), **multi, **r)


def _convert(r: dict[str, Any]) -> None:
    """``--cpus`` and ``--pids-limit`` as click converts them, for the values whose conversion is beyond doubt."""
    if "cpus" in r:
        if not _FLOAT.match(r["cpus"]):
            raise GiveUp("--cpus")
        r["cpus"] = float(r["cpus"])
    if "pids_limit" in r:
        if not INT.match(r["pids_limit"]):
            raise GiveUp("--pids-limit")
        r["pids_limit"] = int(r["pids_limit"])
