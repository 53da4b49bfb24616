"""compose-go's merge tests, replayed: every base/override/expected triple from its Go test literals.

Like the upstream ``assertMergeYaml``, the override is merged onto the base and the result (after unique-key
enforcement) must equal the expected YAML exactly: same keys, same syntax, same order of sequence items.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compose.loader.merge import merge
from tests.support.merge_yaml import read_one
from tests.support.paths import corpus_dir

OVERRIDE = corpus_dir() / "compose-go" / "_inline" / "override"
BASE_ROLES = ("base", "right", "l")
OVER_ROLES = ("override", "left", "r")

# Tests whose Go body merges its literals in an order the file numbering does not show (sub-tests reuse them).
EXPLICIT: dict[str, list[tuple[str, str, str]]] = {
    "TestMergeEnvFilesMixed": [("02_r", "01_l", "03_expected"), ("01_l", "02_r", "04_expected"),
                               ("01_l", "05_r", "06_expected")],
    "TestMemLimitMixed": [("02_r", "01_l", "03_expected"), ("01_l", "02_r", "04_expected")],
}


def _triples() -> list[tuple[str, Path, Path, Path]]:
    out = []
    for gofile in sorted(OVERRIDE.iterdir()):
        tests: dict[str, dict[str, Path]] = {}
        for f in gofile.glob("*.yaml"):
            m = re.fullmatch(r"(\w+?)__(\d\d_\w+)\.yaml", f.name)
            assert m, f.name
            tests.setdefault(m.group(1), {})[m.group(2)] = f
        for test, files in sorted(tests.items()):
            if test in EXPLICIT:
                for b, o, e in EXPLICIT[test]:
                    out.append((f"{test}[{b}+{o}]", files[b], files[o], files[e]))
                continue
            by_role = {key.split("_", 1)[1]: f for key, f in files.items()}
            base = next(by_role[r] for r in BASE_ROLES if r in by_role)
            over = next(by_role[r] for r in OVER_ROLES if r in by_role)
            out.append((test, base, over, by_role["expected"]))
    return out


TRIPLES = _triples() if OVERRIDE.is_dir() else []


@pytest.mark.parametrize("name,base,over,expected", TRIPLES, ids=[t[0] for t in TRIPLES])
def test_merge_matches_compose_go(name: str, base: Path, over: Path, expected: Path) -> None:
    b = read_one(base.read_text(), base.name)
    o = read_one(over.read_text(), over.name)
    got, _ = merge(b.data, o.data, b.marks, o.marks)
    assert got == read_one(expected.read_text(), expected.name).data


def test_every_override_triple_is_replayed() -> None:
    assert len(TRIPLES) >= 33


# --------------------------------------------------------------------------------------------------------------
# Merge-style tests of compose-go's loader package: several files (or files and the services they extend or
# include) loaded together.  They need files on disk, so they run through the pipeline in a temporary project;
# the expectations are those of the upstream Go test bodies.

LOADER = corpus_dir() / "compose-go" / "_inline" / "loader"


def _text(name: str) -> str:
    return (LOADER / name).read_text()


def _project(tmp_path: Path, files: dict[str, str], **options) -> dict:
    from compose.loader.options import LoadOptions
    from compose.loader.pipeline import load_dict

    for rel, corpus_name in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_text(corpus_name) if corpus_name.endswith(".yaml") else corpus_name)
    names = tuple(rel for rel in files if rel.endswith((".yaml", ".yml")) and "/" not in rel)
    opts = LoadOptions(working_dir=tmp_path, files=names, environ={"HOME": "/root"}, **options)
    return load_dict(opts, stop_after="profiles").data


needs_loader = pytest.mark.skipif(not LOADER.is_dir(), reason="compose-go loader literals not in the corpus")


@needs_loader
def test_reset_across_files(tmp_path):
    data = _project(tmp_path, {"base.yml": "merge_reset_test.go/Test_LoadWithReset__01_Content.yaml",
                               "override.yml": "merge_reset_test.go/Test_LoadWithReset__02_Content.yaml"})
    foo = data["services"]["foo"]
    assert foo["image"] == "foo" and "build" not in foo and not foo.get("environment")


@needs_loader
def test_duplicate_key_with_reset_is_a_parse_error(tmp_path):
    from compose.errors import ParseError

    with pytest.raises(ParseError) as err:
        _project(tmp_path, {"duplicate.yml": "merge_reset_test.go/Test_DuplicateReset__01_Content.yaml"})
    assert "command" in str(err.value) and ":6:" in str(err.value)


@needs_loader
def test_two_files_merge_with_extensions(tmp_path):
    data = _project(tmp_path, {"test.yaml": "loader_yaml_test.go/TestParseYAMLFiles__01_Content.yaml",
                               "override.yaml": "loader_yaml_test.go/TestParseYAMLFiles__02_Content.yaml"})
    assert data["services"] == {"test": {"image": "bar", "command": "echo world", "init": False}}
    assert data["x-extension"] == {"test1": "first", "test2": "second"}


@needs_loader
def test_override_through_extends_and_a_yaml_merge_key(tmp_path):
    data = _project(tmp_path, {"override.yaml": "loader_yaml_test.go/TestParseYAMLFilesMergeOverride__01_Content.yaml"})
    moved = [{"source": "credentials", "target": "/literally-anywhere-else"}]
    assert data["services"] == {
        "base": {"configs": [{"source": "credentials", "target": "/credentials/file1"}]},
        "x": {"configs": moved},
        "y": {"configs": moved},
    }
    assert data["configs"] == {"credentials": {"content": "dummy value\n"}}


@needs_loader
@pytest.mark.parametrize("test,expected", [
    ("TestLoadExtends", {"image": "busybox", "command": "echo"}),
    ("TestLoadExtendsOverrideCommand", {"image": "busybox", "command": '/bin/ash -c "rm -rf /tmp/might-not-exist"'}),
    ("TestLoadExtendsWihReset", {"image": "alpine", "command": "echo"}),
])
def test_extends_in_one_file(tmp_path, test, expected):
    data = _project(tmp_path, {"compose.yaml": f"loader_test.go/{test}__01_input.yaml"})
    assert data["services"]["foo"] == expected


@needs_loader
def test_extends_from_files_in_other_directories(tmp_path):
    data = _project(tmp_path, {"a/compose.yaml": "loader_test.go/TestLoadExtendsMultipleFiles__01_aYAML.yaml",
                               "b/compose.yaml": "loader_test.go/TestLoadExtendsMultipleFiles__02_bYAML.yaml",
                               "compose.yaml": "loader_test.go/TestLoadExtendsMultipleFiles__03_rootYAML.yaml"})
    assert data["services"]["a"] == {"build": str(tmp_path / "a")}
    assert data["services"]["b"] == {"build": {"target": "fake", "context": str(tmp_path / "b")}}


@needs_loader
def test_included_env_file_is_seen_only_by_the_included_services(tmp_path):
    data = _project(tmp_path, {"compose.yml": "include_test.go/TestLoadWithIncludeEnv__01_yaml.yaml",
                               "module/compose.yml": "include_test.go/TestLoadWithIncludeEnv__02_yaml.yaml",
                               "custom.env": "VAR_NAME=value"})
    assert data["services"]["a"]["environment"] == ["VAR_NAME"]
    assert data["services"]["b"]["environment"] == ["VAR_NAME=value"]
    assert data["services"]["c"]["environment"] == ["VAR_NAME=value"]


@needs_loader
def test_nested_include_and_extends(tmp_path):
    data = _project(tmp_path, {"compose.yaml": "include_test.go/TestNestedIncludeAndExtends__01_yaml.yaml",
                               "dir/included.yaml": "include_test.go/TestNestedIncludeAndExtends__02_yaml.yaml",
                               "dir/extended.yaml": "include_test.go/TestNestedIncludeAndExtends__03_yaml.yaml"})
    assert data["services"] == {"included": {"image": "alpine"}}


TESTDATA = corpus_dir() / "compose-go" / "loader" / "testdata"


def _with_testdata(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(TESTDATA / "subdir", tmp_path / "testdata" / "subdir")
    shutil.copy(TESTDATA / "compose-include.yaml", tmp_path / "testdata" / "compose-include.yaml")


@needs_loader
@pytest.mark.skipif(not TESTDATA.is_dir(), reason="compose-go testdata not in the corpus")
def test_include_twice_the_same_service_and_override_locally(tmp_path):
    _with_testdata(tmp_path)
    data = _project(tmp_path, {"compose.yaml": "include_test.go/TestLoadWithMultipleIncludeConflict__01_input.yaml"})
    assert data["services"]["bar"] == {"image": "busybox", "environment": ["ZOT=QIX"]}
    imported = data["services"]["imported"]
    assert imported["container_name"] == "extends"  # SOURCE from testdata/subdir/extra.env
    assert imported["env_file"] == [str(tmp_path / "testdata" / "subdir" / "extra.env")]


@needs_loader
@pytest.mark.skipif(not TESTDATA.is_dir(), reason="compose-go testdata not in the corpus")
def test_include_then_override_file(tmp_path):
    _with_testdata(tmp_path)
    data = _project(tmp_path, {
        "compose.yaml": "loader_test.go/TestLoadWithIncludeOverride__01_buildConfigDetailsMultipleFiles_arg1.yaml",
        "override.yaml": "loader_test.go/TestLoadWithIncludeOverride__02_buildConfigDetailsMultipleFiles_arg2.yaml",
    })
    assert data["services"]["imported"]["image"] == "overridden"
