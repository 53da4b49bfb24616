"""Every compose document of the shared corpus loads through the whole pipeline, or fails where it should.

A document the reference schema accepts and MANIFEST does not mark `expects_error` must load into a Project.
A document marked to fail (or rejected by the reference schema) must fail with a ComposeError of the right stage:
one line, no traceback.
"""

from __future__ import annotations

import pytest

from compose.errors import ComposeError
from compose.loader.options import LoadOptions
from tests.support.corpus import Entry, manifest, reference_accepts, unwrap

# go-inline roles that hold one whole compose document to load (merge halves and expected outputs are judged by the
# merge tests, which use them as their Go tests do).
WHOLE_DOCUMENT_ROLES = {"input", "yaml", "load_arg1", "Content", "composeData", "doc", "sampleYAML",
                        "yamlWithDeps", "yamlWithProfile", "rootYAML"}

STAGES = {
    "parse": "parse",
    "schema": "schema",
    "load": "load",
    "extends": "extends",
    "consistency": "consistency",
    "interpolation": "interpolation",
}


def _cases() -> list[Entry]:
    out = []
    for e in manifest():
        if e.kind == "md-snippet":
            out.append(e)
        elif e.kind == "file" and e.role == "compose":
            out.append(e)
        elif e.kind == "go-inline" and e.role in WHOLE_DOCUMENT_ROLES:
            out.append(e)
    return out


def _load(entry: Entry):
    from compose.loader.pipeline import load_project

    path = entry.file
    return load_project(LoadOptions(files=(str(path),), working_dir=path.parent, environ={}))


def _reference_verdict(entry: Entry) -> bool:
    from compose.loader.files import read_yaml

    try:
        docs = read_yaml(entry.file.read_text(), str(entry.file))
    except ComposeError:
        return False
    return all(isinstance(d.data, dict) and reference_accepts(unwrap(d.data)) for d in docs) and bool(docs)


def _expected_stage(entry: Entry) -> str | None:
    if entry.expects_error in (None, False):
        return None
    if entry.expects_error is True:
        return "any"
    word = str(entry.expects_error).split()[0]
    return STAGES.get(word, "any")


@pytest.mark.parametrize("entry", _cases(), ids=lambda e: e.path)
def test_corpus_document(entry: Entry):
    stage = _expected_stage(entry)
    if stage is None and not _reference_verdict(entry):
        stage = "schema"
    if stage is None:
        loaded = _load(entry)
        assert isinstance(loaded.data, dict)
        return
    with pytest.raises(ComposeError) as info:
        _load(entry)
    message = str(info.value)
    assert message and "\n" not in message.strip() and "Traceback" not in message
    if stage != "any":
        assert info.value.stage.startswith(stage) or (stage == "extends" and info.value.stage == "load"), (
            f"expected a {stage} error, got {info.value.stage}: {message}"
        )
