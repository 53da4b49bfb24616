"""DESIGN.md §2 import rules, checked on the source tree (AST walk) and by import-linter."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.paths import REPO

# Each third-party library has exactly one importer (DESIGN.md §2); the CLI package counts as one.
CLI_MODULES = ("compose/cli/__init__.py", "compose/cli/base.py", "compose/cli/containers.py", "compose/cli/images.py",
              "compose/cli/lifecycle.py", "compose/cli/project.py", "compose/cli/queries.py", "compose/cli/resources.py")
OWNERS = {
    "yaml": "compose/loader/files.py",
    "jsonschema": "compose/loader/schema.py",
    "networkx": "compose/graph.py",
    "typer": CLI_MODULES,
    "click": CLI_MODULES,
    "rich": "compose/console.py",
    "pyroute2": "runtime/network/rtmsg.py",
    "dnslib": "runtime/network/dns.py",
    "httpx": "runtime/images/registry.py",
    "zstandard": "runtime/images/compression.py",
    "seccomp": "runtime/linux/seccomp.py",
    "pyseccomp": "runtime/linux/seccomp.py",
}
FORBIDDEN_IN_RUNTIME = {"compose", "yaml", "typer", "click", "rich", "networkx", "jsonschema"}


def _modules() -> list[Path]:
    return sorted(p for pkg in ("compose", "runtime") for p in (REPO / pkg).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_each_third_party_library_has_one_importer():
    importers: dict[str, set[str]] = defaultdict(set)
    for path in _modules():
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OWNERS:
                importers[top].add(_rel(path))
    wrong = {lib: sorted(mods) for lib, mods in importers.items() if mods - set(_owners(lib))}
    assert wrong == {}, f"libraries imported outside their owning module: {wrong}"


def test_runtime_never_imports_compose_or_front_end_libraries():
    bad = {
        _rel(path): sorted(n for n in _imports(path) if n.split(".")[0] in FORBIDDEN_IN_RUNTIME)
        for path in (REPO / "runtime").rglob("*.py")
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_compose_uses_only_the_runtime_public_surface():
    bad = {}
    for path in (REPO / "compose").rglob("*.py"):
        deep = sorted(n for n in _imports(path) if n.startswith("runtime.") and n.split(".")[1] not in _public())
        if deep:
            bad[_rel(path)] = deep
    assert bad == {}


def _public() -> set[str]:
    import runtime

    return set(runtime.__all__)


def _owners(lib: str) -> tuple[str, ...]:
    owner = OWNERS[lib]
    return (owner,) if isinstance(owner, str) else owner


def test_ctypes_only_inside_runtime_linux():
    users = [_rel(p) for p in _modules() if "ctypes" in {n.split(".")[0] for n in _imports(p)}]
    assert [u for u in users if not u.startswith("runtime/linux/")] == []


@pytest.mark.skipif(shutil.which("lint-imports") is None and not (Path(sys.executable).parent / "lint-imports").exists(),
                    reason="import-linter not installed")
def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([exe], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
