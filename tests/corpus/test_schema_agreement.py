"""Our schema stage accepts and rejects exactly the corpus documents the reference schema does.

The reference is compose-go's own copy of the Compose schema (the one the reference implementation validates
with), run through jsonschema on the same parsed data.  Every corpus YAML file that is a compose document (compose
files, documentation snippets, YAML literals from compose-go's tests) and parses to a mapping is one case.  Files are
validated as written: ``${VAR}`` stays uninterpolated for both sides.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest

from compose.errors import ComposeError, SchemaError
from compose.loader import schema
from compose.loader.document import Marks, Override, Reset
from compose.loader.files import read_yaml
from compose.loader.schema_compile import compile_schema
from tests.support.paths import corpus_dir

CORPUS = corpus_dir()
REFERENCE_SCHEMA = CORPUS / "compose-go" / "schema" / "compose-spec.json"
NOT_COMPOSE_ROLES = {"context", "schema"}


def _unwrap(node: Any) -> Any:
    """``!reset``/``!override`` wrappers replaced by their values (merge would have consumed them)."""
    if isinstance(node, (Reset, Override)):
        return _unwrap(node.value)
    if isinstance(node, dict):
        return {key: _unwrap(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unwrap(value) for value in node]
    return node


def _yaml_entries() -> list[dict[str, Any]]:
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    return [
        entry
        for entry in manifest["files"]
        if entry["path"].endswith((".yaml", ".yml")) and entry.get("role") not in NOT_COMPOSE_ROLES
    ]


@cache
def _cases() -> list[Any]:
    """(id, data, marks) for every mapping document in the corpus; files the YAML stage rejects are not schema cases."""
    if not (CORPUS / "MANIFEST.json").is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"), id="no-corpus")]
    cases = []
    for entry in _yaml_entries():
        rel = entry["path"]
        try:
            documents = read_yaml((CORPUS / rel).read_text(encoding="utf-8"), rel)
        except ComposeError:
            continue
        mappings = [doc for doc in documents if isinstance(doc.data, dict)]
        for index, doc in enumerate(mappings):
            case_id = rel if len(mappings) == 1 else f"{rel}#{index}"
            cases.append(pytest.param(_unwrap(doc.data), doc.marks, id=case_id))
    return cases


@cache
def _reference() -> Any:
    return jsonschema.Draft202012Validator(json.loads(REFERENCE_SCHEMA.read_text()))


@cache
def _ours() -> Any:
    return jsonschema.Draft202012Validator(schema.schema_document())


@cache
def _ours_fast() -> Any:
    return compile_schema(schema.schema_document())


def _stage_accepts(data: dict[str, Any], marks: Marks) -> bool:
    try:
        schema.validate(data, marks)
    except SchemaError:
        return False
    return True


@pytest.mark.parametrize(("data", "marks"), _cases())
def test_schema_verdict_matches_reference(data: dict[str, Any], marks: Marks) -> None:
    expected = _reference().is_valid(data)
    assert _ours().is_valid(data) == expected, "schemas/compose-spec.json disagrees with the reference schema"
    assert _ours_fast()(data) == expected, "the compiled fast check disagrees with jsonschema"
    assert _stage_accepts(data, marks) == expected, "the schema stage disagrees with the reference schema"


def test_corpus_has_compose_documents_of_both_verdicts() -> None:
    cases = [c for c in _cases() if c.values[0] is not None]
    if not cases:
        pytest.skip(f"no corpus at {CORPUS}")
    verdicts = [_reference().is_valid(c.values[0]) for c in cases]
    assert len(cases) > 500
    assert verdicts.count(False) >= 20, "the corpus should exercise rejections too"


def test_our_schema_is_a_well_formed_json_schema() -> None:
    ours = schema.schema_document()
    jsonschema.validators.validator_for(ours).check_schema(ours)
