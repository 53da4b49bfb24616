"""`main` loads only the verb module a command line needs: the table of verbs per module matches what each module
registers, and a verb's help and errors read the same as with the whole app."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main

from compose import cli
from tests.support.paths import REPO


def registered() -> dict[str, list[str]]:
    """Top-level verbs and groups of the whole app, by the module that defines them, in registration order."""
    app = cli.app
    out: dict[str, list[str]] = {}
    for command in app.registered_commands:
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        out.setdefault(command.callback.__module__.rsplit(".", 1)[-1], []).append(name)
    for group in app.registered_groups:
        module = group.typer_instance.registered_commands[0].callback.__module__
        out.setdefault(module.rsplit(".", 1)[-1], []).append(group.name)
    return out


def test_the_verb_table_names_what_each_module_registers():
    assert registered() == {module: list(verbs) for module, verbs in cli.VERB_MODULES.items()}


PROBE = """
import json, sys
sys.argv = ["dockyard", *{args!r}]
from compose.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps([code, sorted(m for m in sys.modules if m.startswith("compose.cli."))]))
"""


def run_main(*args: str) -> tuple[int, str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=REPO, capture_output=True,
                          text=True, check=True)
    *out, last = proc.stdout.splitlines()
    code, modules = json.loads(last)
    return code, "\n".join(out), modules


@pytest.mark.parametrize(("args", "module"), [(["up", "--help"], "project"),
                                              (["-p", "x", "network", "ls", "--help"], "resources"),
                                              (["container", "--help"], "containers")], ids=str)
def test_a_verb_loads_only_its_module_and_reads_the_same(dy, args, module):
    code, out, modules = run_main(*args)
    whole = dy(*args)
    assert (code, out) == (whole.exit_code, whole.stdout.rstrip("\n"))
    assert {m.rsplit(".", 1)[-1] for m in modules} & set(cli.VERB_MODULES) == {module}


def test_help_and_unknown_verbs_load_the_whole_app():
    for args in (["--help"], ["upp"]):
        _, _, modules = run_main(*args)
        assert {m.rsplit(".", 1)[-1] for m in modules} >= set(cli.VERB_MODULES)
