"""Start-up cost (issue 6/9): importing the CLI and running `dockyard ps` load none of the heavy libraries; `ps`
does not even load typer/click or rich. Checked on sys.modules of a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import REPO

HEAVY = ("httpx", "pyroute2", "yaml", "jsonschema", "networkx")
FRONT_END = ("typer", "click", "rich")

PROBE = """
import json, sys
{body}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""

PS = """
sys.argv = ["dockyard", {args}]
from compose.cli import main
try:
    main()
except SystemExit as exc:
    assert exc.code == 0, exc.code
"""


def loaded(body: str, cwd=REPO, env: dict | None = None) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], cwd=cwd, capture_output=True, text=True,
                          env=env, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library_and_not_typer():
    assert loaded("import compose.cli") & set(HEAVY + FRONT_END) == set()


def test_ps_by_project_name_loads_no_heavy_library_nor_typer(dockyard_dirs):
    import os

    assert loaded(PS.format(args='"-p", "nothing", "ps", "-a"'), env=dict(os.environ)) & set(HEAVY + FRONT_END) == set()


def test_ps_with_a_compose_file_reads_the_name_without_yaml(dockyard_dirs, tmp_path):
    import os

    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    modules = loaded(PS.format(args='"ps", "--format", "json"'), cwd=tmp_path, env=dict(os.environ))
    assert modules & set(HEAVY + FRONT_END) == set()


def test_help_loads_no_heavy_library():
    assert loaded(PS.format(args='"--help"')) & set(HEAVY) == set()


def test_reading_a_container_run_command_line_loads_no_heavy_library_nor_typer():
    body = ('from compose.cli import fastrun\n'
            'assert fastrun.parse(["container", "run", "--rm", "-e", "A=1", "busybox", "true"], environ={})')
    assert loaded(body) & set(HEAVY + FRONT_END) == set()
