"""Every compose document of the shared corpus loads through the whole pipeline, or fails where it should.

A document the reference schema accepts and MANIFEST does not mark `expects_error` must load into a Project.
A document marked to fail (or rejected by the reference schema, or unreadable YAML) must fail with a ComposeError of
the right stage: one line, no traceback.  Each document is loaded the way its owner loads it
(`tests/support/corpus_routes.py`); the few that dockyard cannot load as their owner does are listed in
`EXCEPTIONS`, each with the stage it fails at and why.
"""

from __future__ import annotations

import pytest

from compose.errors import ComposeError
from tests.support.corpus import Entry, manifest, reference_accepts, without_resets
from tests.support.corpus_routes import route, snippet_includes_missing

# go-inline roles that hold one whole compose document to load (merge halves and expected outputs are judged by the
# merge tests, which use them as their Go tests do).
WHOLE_DOCUMENT_ROLES = {"input", "yaml", "load_arg1", "Content", "composeData", "doc", "sampleYAML",
                        "yamlWithDeps", "yamlWithProfile", "rootYAML"}

STAGES = ("parse", "schema", "load", "extends", "consistency", "interpolation")

_REMOTE = ("the Go test registers a fake resource loader for the 'remote:' scheme; dockyard has no pluggable "
           "remote loaders (git/OCI includes are not supported), so the file is not found")
# path -> (stage it fails at, why it cannot load as its owner loads it)
EXCEPTIONS: dict[str, tuple[str, str]] = {
    "compose-go/loader/testdata/remote/nested/compose.yaml": ("extends", _REMOTE),
    "compose-go/_inline/loader/loader_test.go/TestLoadWithRemoteResources__01_input.yaml": ("extends", _REMOTE),
    "compose-go/_inline/loader/loader_test.go/TestLoadWithMissingResources__01_input.yaml": ("extends", _REMOTE),
    "compose-go/_inline/loader/loader_test.go/TestLoadWithNestedResources__01_input.yaml": ("load", _REMOTE),
    # expected to fail with 'Circular reference' through the fake remote loader; it fails earlier, for the same reason
    "compose-go/_inline/loader/loader_test.go/TestLoadWithResourcesCycle__01_input.yaml": ("extends", _REMOTE),
    # Not a load failure of dockyard's: the Go test asserts this error, MANIFEST does not mark it.
    "compose-go/_inline/loader/tests/environment_test.go/TestEnvironmentWhitespace__01_Content.yaml": (
        "schema", "TestEnvironmentWhitespace asserts 'environment variable DEBUG  is declared with a trailing space'"),
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


def _documents(entry: Entry) -> list | None:
    """The documents of the file as plain data (``!reset`` applied as compose-go does), None if unreadable."""
    from compose.loader.files import read_yaml

    try:
        return [without_resets(d.data) for d in read_yaml(entry.file.read_text(), str(entry.file))]
    except ComposeError:
        return None


def _expected_stage(entry: Entry) -> str | None:
    """None: must load; else the stage it must fail at ("any" when MANIFEST names none)."""
    if entry.path in EXCEPTIONS:
        return EXCEPTIONS[entry.path][0]
    if entry.expects_error not in (None, False):
        word = str(entry.expects_error).split()[0]
        return word if word in STAGES else "any"
    docs = _documents(entry)
    if docs is None:
        return "parse"
    if not docs or not all(isinstance(d, dict) and reference_accepts(d) for d in docs):
        return "schema"
    if any(snippet_includes_missing(entry, d) for d in docs):
        return "load"
    return None


@pytest.mark.parametrize("entry", _cases(), ids=lambda e: e.path)
def test_corpus_document(entry: Entry, tmp_path):
    from compose.loader.pipeline import load_project

    stage = _expected_stage(entry)
    options = route(entry, tmp_path).options
    if stage is None:
        loaded = load_project(options)
        assert isinstance(loaded.data, dict)
        return
    with pytest.raises(ComposeError) as info:
        load_project(options)
    message = str(info.value)
    assert message and "\n" not in message.strip() and "Traceback" not in message
    if stage != "any":
        assert info.value.stage.startswith(stage) or (stage == "extends" and info.value.stage == "load"), (
            f"expected a {stage} error, got {info.value.stage}: {message}"
        )


def test_every_exception_is_still_a_corpus_document():
    paths = {e.path for e in _cases()}
    assert set(EXCEPTIONS) <= paths
