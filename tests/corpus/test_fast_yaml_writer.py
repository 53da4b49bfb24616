"""The fast YAML writer (`compose.loader.emit`) writes exactly what PyYAML writes, on every loadable corpus project
and on every raw corpus document."""

from __future__ import annotations

import pytest

from compose.errors import ComposeError
from compose.loader.emit import Unsupported, emit
from compose.loader.files import plain_reads_back, pyyaml_dump, read_yaml
from compose.loader.pipeline import load_project
from tests.corpus.test_corpus_loads import _cases
from tests.support.corpus import Entry
from tests.support.corpus_routes import route


def _same(data) -> None:
    try:
        fast = emit(data, plain_reads_back)
    except Unsupported:
        return
    assert fast == pyyaml_dump(data)


@pytest.mark.parametrize("entry", _cases(), ids=lambda e: e.path)
def test_fast_writer_matches_pyyaml(entry: Entry, tmp_path):
    try:
        docs = read_yaml(entry.file.read_text(), str(entry.file))
    except ComposeError:
        docs = []
    for doc in docs:
        if isinstance(doc.data, dict):
            _same(doc.data)
    try:
        loaded = load_project(route(entry, tmp_path).options)
    except ComposeError:
        return
    _same(loaded.data)
