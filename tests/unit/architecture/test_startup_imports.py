"""Start-up cost (issue 6/9): importing the CLI and running `dockyard ps` load none of the heavy libraries; `ps`
does not even load typer/click or rich. Checked on sys.modules of a fresh interpreter."""

from __future__ import annotations

from tests.support.import_probe import MAIN as PS
from tests.support.import_probe import loaded as loaded_modules
from tests.support.import_probe import packages

HEAVY = ("httpx", "pyroute2", "yaml", "jsonschema", "networkx")
FRONT_END = ("typer", "click", "rich")


def loaded(body: str, **where: object) -> set[str]:
    """The top-level packages loaded after ``body`` in a fresh interpreter."""
    return packages(loaded_modules(body, **where))  # type: ignore[arg-type]

def test_importing_the_cli_loads_no_heavy_library_and_not_typer():
    assert loaded("import compose.cli") & set(HEAVY + FRONT_END) == set()


def test_ps_by_project_name_loads_no_heavy_library_nor_typer(dockyard_dirs):
    assert loaded(PS.format(args='"-p", "nothing", "ps", "-a"')) & set(HEAVY + FRONT_END) == set()


def test_ps_with_a_compose_file_reads_the_name_without_yaml(dockyard_dirs, tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    modules = loaded(PS.format(args='"ps", "--format", "json"'), cwd=tmp_path)
    assert modules & set(HEAVY + FRONT_END) == set()


def test_help_loads_no_heavy_library():
    assert loaded(PS.format(args='"--help"')) & set(HEAVY) == set()


def test_reading_a_container_run_command_line_loads_no_heavy_library_nor_typer():
    body = ('from compose.cli import fastrun\n'
            'assert fastrun.parse(["container", "run", "--rm", "-e", "A=1", "busybox", "true"], environ={})')
    assert loaded(body) & set(HEAVY + FRONT_END) == set()
