"""YAML in, Documents out, for the merge/extends/include/pipeline tests (through ``compose.loader.files``)."""

from __future__ import annotations

import textwrap
from typing import Any

from compose.loader.document import Document, Marks
from compose.loader.files import read_yaml


def read(text: str, filename: str = "compose.yaml") -> list[Document]:
    """Every document of ``text`` (dedented first, so tests may indent their YAML)."""
    return read_yaml(textwrap.dedent(text), filename)


def read_one(text: str, filename: str = "compose.yaml") -> Document:
    docs = read(text, filename)
    assert len(docs) == 1, f"expected one YAML document, got {len(docs)}"
    return docs[0]


def data(text: str) -> Any:
    """Plain data of a single-document YAML text."""
    return read_one(text).data


def merged(base: str, override: str) -> Any:
    """``override`` merged onto ``base`` (two YAML texts), as plain data."""
    return merged_with_marks(base, override)[0]


def merged_with_marks(base: str, override: str) -> tuple[Any, Marks]:
    from compose.loader.merge import merge

    b, o = read_one(base, "base.yaml"), read_one(override, "override.yaml")
    return merge(b.data, o.data, b.marks, o.marks)
