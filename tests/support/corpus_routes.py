"""How a corpus document is loaded for judgement: the way the test or tool that owns it loads it.

* A compose file of the corpus (awesome-compose stacks, compose-go testdata) is loaded in place, as
  ``docker compose -f FILE`` would, with an empty shell environment.
* A YAML literal of a compose-go Go test is loaded the way its Go test does: from the Go package's directory (the
  test's working dir, where its ``testdata/`` paths resolve), with the environment the test passes (MANIFEST
  ``env_maps``), and without the cross-reference check when the test's helper sets ``SkipConsistencyCheck``
  (``loadYAML``/``loadYAMLWithEnv`` in loader_test.go, ``load``/``loadWithEnv`` in loader/tests).  A Go test that
  writes several files into a temporary directory has them written the same way (``GO_TREES``).
* A schema fixture (``compose-go/schema/*.yaml``) is validated raw, as TestValidate* does: no interpolation.
* A documentation snippet is an excerpt: the top-level declarations it refers to are elsewhere on the page, so it
  is loaded without the cross-reference check (as compose-go's own fragment tests load), and an ``include`` of a
  file the page does not ship must fail at load, as it would for Docker Compose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compose.loader.options import LoadOptions
from tests.support.corpus import Entry
from tests.support.paths import corpus_dir

# Go tests that write a tree of files: go_func -> {relative path: inline sibling suffix or literal text}; the first
# path is the file the test loads.  Literals are the one-line env files those tests write.
GO_TREES: dict[str, dict[str, str]] = {
    "TestLoadExtendsMultipleFiles": {
        "compose.yaml": "__03_rootYAML.yaml", "a/compose.yaml": "__01_aYAML.yaml", "b/compose.yaml": "__02_bYAML.yaml",
    },
    "TestNestedIncludeAndExtends": {
        "compose.yml": "__01_yaml.yaml", "dir/included.yaml": "__02_yaml.yaml", "dir/extended.yaml": "__03_yaml.yaml",
    },
    "TestLoadWithIncludeEnv": {
        "compose.yml": "__01_yaml.yaml", "module/compose.yml": "__02_yaml.yaml", "custom.env": "=VAR_NAME=value\n",
    },
}  # fmt: skip

# Go helpers that load with SkipConsistencyCheck, by the Go file they live in.
_SKIP_CONSISTENCY = {
    "loader/loader_test.go": {"loadYAML", "loadYAMLWithEnv"},
    "loader/tests/": {"load", "loadWithEnv"},
    "loader/loader_yaml_test.go": {"loadYamlModel"},  # the model only: no consistency stage at all
}
# Package-level YAML variables (go_func "toplevel") are loaded by the file's plain helper.
_TOPLEVEL_HELPER = {"loader/loader_test.go": "loadYAML"}

# The Go tests give these no project directory and no name; the nearest dockyard equivalent is a project directory
# whose base name is empty.
_NO_WORKING_DIR = {"TestLoadEmptyContent_MissingProject"}


@dataclass(frozen=True)
class Route:
    options: LoadOptions
    why: str


def _skips_consistency(entry: Entry) -> bool:
    source = entry.source_path or ""
    callee = _TOPLEVEL_HELPER.get(source) if entry.go_func == "toplevel" else entry.callee
    for prefix, helpers in _SKIP_CONSISTENCY.items():
        if source.startswith(prefix) and callee in helpers:
            return True
    return False


def _go_tree(entry: Entry, tmp_path: Path) -> Route:
    tree = GO_TREES[entry.go_func or ""]
    folder = entry.file.parent
    for relative, source in tree.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.startswith("="):
            target.write_text(source[1:])
        else:
            target.write_text((folder / f"{entry.go_func}{source}").read_text())
    main = tmp_path / next(iter(tree))
    options = LoadOptions(files=(str(main),), working_dir=tmp_path, environ=dict(entry.env))
    return Route(options, f"files written as {entry.go_func} writes them")


def _go_inline(entry: Entry, tmp_path: Path) -> Route:
    if entry.go_func in GO_TREES:
        return _go_tree(entry, tmp_path)
    package_dir = corpus_dir() / "compose-go" / Path(entry.source_path or "loader/x").parent
    working_dir = Path("/") if entry.go_func in _NO_WORKING_DIR else package_dir
    options = LoadOptions(
        files=("-",), stdin=entry.file.read_text(), working_dir=working_dir, environ=dict(entry.env),
        consistency=not _skips_consistency(entry),
    )  # fmt: skip
    return Route(options, f"as {entry.go_func} loads it (cwd {working_dir})")


def _listed(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _includes_missing(data: Any, base: Path) -> bool:
    """An ``include`` entry names a compose file or env file that is not there."""
    includes = data.get("include") if isinstance(data, dict) else None
    for item in includes or []:
        paths = _listed(item) if isinstance(item, str) else _listed(item.get("path"))
        env_files = _listed(item.get("env_file")) if isinstance(item, dict) else []
        if any(not (base / str(p)).is_file() for p in paths + env_files):
            return True
    return False


def route(entry: Entry, tmp_path: Path) -> Route:
    """The LoadOptions a document is judged with (see the module docstring)."""
    if entry.kind == "go-inline":
        return _go_inline(entry, tmp_path)
    path = entry.file
    if entry.kind == "file" and entry.path.startswith("compose-go/schema/"):
        options = LoadOptions(files=(str(path),), working_dir=path.parent, environ={}, interpolate=False)
        return Route(options, "schema fixture: validated raw, as TestValidate* does")
    if entry.kind == "md-snippet":
        options = LoadOptions(files=(str(path),), working_dir=path.parent, environ={}, consistency=False)
        return Route(options, "documentation excerpt: declarations it refers to are elsewhere on the page")
    return Route(LoadOptions(files=(str(path),), working_dir=path.parent, environ={}), "compose file, in place")


def snippet_includes_missing(entry: Entry, data: Any) -> bool:
    """A documentation snippet that includes a file (or env file) the page does not ship."""
    return entry.kind == "md-snippet" and _includes_missing(data, entry.file.parent)
