"""compose-go's own case tables, run against our interpolation and .env parsing; and every corpus YAML file read.

Cases come from ``compose-go/_cases`` in the shared corpus (lifted from compose-go's Go tests).  compose-go's dotenv
API maps onto ours as follows:

* ``Read``  -> ``parse_dotenv(text, file)`` (no lookup).
* ``ReadWithLookup`` -> ``parse_dotenv(text, file, process_env.get)``.
* ``Load``  (load into the process environment, never overriding a variable already set) -> ``load_env_files([file],
  environ)`` with the preset process environment as ``environ``: the shell wins over the file, as Load does.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from compose.errors import InterpolationError, ParseError
from compose.loader.document import Override, Reset
from compose.loader.dotenv import load_env_files, parse_dotenv
from compose.loader.files import read_yaml
from compose.loader.interpolate import substitute
from tests.support.paths import corpus_dir

CASES = corpus_dir() / "compose-go" / "_cases"
DOTENV_DIR = corpus_dir() / "compose-go" / "dotenv"


@lru_cache(maxsize=None)
def _table(name: str) -> dict[str, Any]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def _template_cases() -> list[Any]:
    table = _table("compose-go-template-cases.json")
    return [pytest.param(case, id=f"{case['test']}:{case['template']}") for case in table["cases"]]


def _dotenv_cases() -> list[Any]:
    table = _table("compose-go-dotenv-cases.json")
    return [pytest.param(case, id=f"{case['test']}:{case['file']}") for case in table["cases"]]


@pytest.mark.parametrize("case", _template_cases())
def test_template_case(case: dict[str, Any]) -> None:
    mapping = _table("compose-go-template-cases.json")["mapping"]
    if "expected" in case:
        assert substitute(case["template"], mapping.get) == case["expected"]
        return
    with pytest.raises(InterpolationError) as info:
        substitute(case["template"], mapping.get)
    if "error_contains" in case:
        assert case["error_contains"] in str(info.value)


@pytest.mark.parametrize("case", _dotenv_cases())
def test_dotenv_case(case: dict[str, Any]) -> None:
    path = DOTENV_DIR / case["file"]
    process_env: dict[str, str] = dict(case.get("process_env", {}))
    process_env.update(case.get("preset_process_env", {}))
    api = case["api"]
    if api == "Read":
        result = parse_dotenv(path.read_text(encoding="utf-8"), str(path))
    elif api == "ReadWithLookup":
        result = parse_dotenv(path.read_text(encoding="utf-8"), str(path), process_env.get)
    elif api == "Load":
        result = load_env_files([path], process_env)
    else:  # pragma: no cover - a new API in the table needs a mapping here
        pytest.fail(f"no mapping for compose-go dotenv API {api}")
    expected = case["expected"]
    assert {key: result.get(key) for key in expected} == expected
    if case.get("exact_key_set"):
        assert set(result) == set(expected)


# ----------------------------------------------------------------------------------------------- corpus YAML

# MANIFEST error hints that name a failure of the reading stage itself (yaml.v3 / compose-go parseYAML).
PARSE_HINTS = ("non-string key", "already defined")

# Files nobody marked, that fail at reading for a reason Docker Compose shares.
KNOWN_PARSE_FAILURES = {
    # The spec's example repeats the key `base` (a typo for another service name); yaml.v3 rejects it too.
    "compose-spec/_md_snippets/build.md.L0131.yaml": 'mapping key "base" already defined at line 2',
}


@lru_cache(maxsize=1)
def _manifest() -> dict[str, dict[str, Any]]:
    files = json.loads((corpus_dir() / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    return {entry["path"]: entry for entry in files}


def _expected_parse_error(rel: str) -> str | None:
    if rel in KNOWN_PARSE_FAILURES:
        return KNOWN_PARSE_FAILURES[rel]
    entry = _manifest().get(rel, {})
    if str(entry.get("expects_error", "")).startswith("parse"):
        return ""
    hints = entry.get("error_hints") or []
    for hint in [hints] if isinstance(hints, str) else hints:
        if any(marker in hint for marker in PARSE_HINTS):
            return next(marker for marker in PARSE_HINTS if marker in hint)
    return None


def _tree_paths(data: Any, path: tuple) -> list[tuple]:
    """Every node's tree path (through Reset/Override wrappers)."""
    if isinstance(data, (Reset, Override)):
        data = data.value
    out = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _tree_paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _tree_paths(value, path + (index,))
    return out


def _yaml_files() -> list[Any]:
    root = corpus_dir()
    paths = sorted({*root.rglob("*.yaml"), *root.rglob("*.yml")})
    return [pytest.param(path, id=str(path.relative_to(root))) for path in paths]


@pytest.mark.parametrize("path", _yaml_files())
def test_corpus_yaml_reads(path: Path) -> None:
    rel = str(path.relative_to(corpus_dir()))
    text = path.read_text(encoding="utf-8")
    expected = _expected_parse_error(rel)
    if expected is None:
        for document in read_yaml(text, rel):
            assert document.filename == rel
            unmarked = [p for p in _tree_paths(document.data, ()) if p not in document.marks]
            assert unmarked == []
        return
    with pytest.raises(ParseError) as info:
        read_yaml(text, rel)
    assert expected in str(info.value)
    assert str(info.value).startswith(f"{rel}:")


@pytest.mark.parametrize("case", _template_cases())
def test_config_variables_lists_every_name_a_template_case_looks_up(case: dict[str, Any]) -> None:
    """``config --variables`` scans operands whether or not they are used, so it finds at least every name that
    substitution looks up (and nothing that is not a name in the template)."""
    from compose.loader.variables import extract

    mapping = _table("compose-go-template-cases.json")["mapping"]
    looked: list[str] = []

    def lookup(name: str) -> str | None:
        looked.append(name)
        return mapping.get(name)

    try:
        substitute(case["template"], lookup)
    except InterpolationError:
        pass
    found = extract({"x": case["template"]})
    assert set(looked) <= set(found)
    assert all(name in case["template"] for name in found)
