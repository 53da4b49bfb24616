"""Start-up cost of the typer-free verbs (issue 9, P1b/P4): what `container run` of an image already stored, `down`
and `ps` load. Checked on sys.modules of a fresh interpreter; no timing."""

from __future__ import annotations

from tests.support.import_probe import MAIN, loaded

FRONT_END = ("typer", "click", "rich")
HEAVY = ("httpx", "networkx", "jsonschema", "pyroute2.ipdb", "pyroute2.ndb", "asyncio", "ssl")
# Pull/push code and what it pulls: a run of an image in the store needs none of it.
TRANSFER = ("concurrent.futures", "logging", "runtime.images.transfer", "runtime.images.auth",
            "runtime.images.registry", "platform")
# Types a run of a stored image builds none of (volumes, healthchecks, blkio, image summaries, platforms).
LATER_TYPES = ("runtime.types_later", "runtime.images.info", "runtime.images.platforms")
# Standard modules a run of a stored image uses none of (file copies and tree removal, temp dirs, random tokens);
# hashlib (with OpenSSL) is loaded by the one step that hashes: naming a new endpoint's veth.
UNUSED_STDLIB = ("shutil", "tempfile", "secrets", "random", "hashlib", "bz2", "lzma")

RUN_PATH = """
from compose.cli import fast, fastrun, session
from compose import engine
gopts, opts = fastrun.parse(["container", "run", "--rm", "-e", "A=1", "localbox:latest", "true"])
spec = engine.run_spec(opts, {})
rt = session.runtime()
assert not rt.has_image(opts.image)
import runtime.lifecycle, runtime.attached, runtime.process.launcher  # what rt.run loads
from runtime.linux.syscalls import Syscalls
Syscalls()
"""

def test_a_container_run_of_a_stored_image_loads_no_front_end_no_heavy_library_no_pull_code_no_unused_types(
        dockyard_dirs):
    modules = loaded(RUN_PATH)
    assert modules & set(FRONT_END + HEAVY + TRANSFER + LATER_TYPES + UNUSED_STDLIB) == set()
    assert "runtime.lifecycle" in modules  # the probe did reach the run path


def test_finding_libc_and_libseccomp_runs_no_ldconfig(dockyard_dirs):
    body = "from runtime.linux.syscalls import Syscalls\nSyscalls()._libseccomp()"
    assert {"ctypes.util", "subprocess"} & loaded(body) == set()


def test_container_run_parses_and_builds_its_spec_with_the_verb_options_left_unloaded():
    body = ('from compose.cli import fastrun\nfrom compose import engine\n'
            'engine.run_spec(fastrun.parse(["container", "run", "busybox"], environ={})[1], {})')
    modules = loaded(body)
    assert "compose.options" in modules and {"compose.verb_options", "compose.quick_options"} & modules == set()


def test_down_by_project_name_loads_no_front_end_and_no_heavy_library(dockyard_dirs, tmp_path):
    modules = loaded(MAIN.format(args='"-p", "nothing", "down"'), cwd=tmp_path)
    assert modules & set(FRONT_END + HEAVY) == set()
    assert "compose.cli.fastdown" in modules


def test_down_of_a_project_in_its_directory_loads_no_front_end(dockyard_dirs, tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    modules = loaded(MAIN.format(args='"down", "-v", "--remove-orphans"'), cwd=tmp_path)
    assert modules & set(FRONT_END + ("httpx", "pyroute2.ipdb", "pyroute2.ndb", "asyncio", "ssl")) == set()


def test_ps_loads_neither_the_front_end_nor_the_verb_options_of_other_verbs(dockyard_dirs, tmp_path):
    modules = loaded(MAIN.format(args='"-p", "nothing", "ps", "-a"'), cwd=tmp_path)
    assert modules & set(FRONT_END + HEAVY + TRANSFER + ("compose.verb_options",)) == set()


def test_ps_in_a_project_directory_loads_no_other_verbs_options_and_nothing_only_deletes_or_ids_need(
        dockyard_dirs, tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    modules = loaded(MAIN.format(args='"ps", "--format", "json"'), cwd=tmp_path)
    assert modules & set(FRONT_END + HEAVY + TRANSFER + ("compose.verb_options", "shutil", "secrets")) == set()
