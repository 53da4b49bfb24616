"""YAML in, Documents out, for the merge/extends/include/pipeline tests.

Uses ``compose.loader.files.read_yaml`` when it is there; until then a small private double with the same contract
(YAML 1.1 loader from PyYAML, ``!reset``/``!override`` as wrappers, a mark per node).
"""

from __future__ import annotations

import textwrap
from typing import Any

from compose.loader.document import Document, Mark, Marks, Override, Reset


def read(text: str, filename: str = "compose.yaml") -> list[Document]:
    """Every document of ``text``."""
    text = textwrap.dedent(text)
    try:
        from compose.loader.files import read_yaml
    except ImportError:
        return _double(text, filename)
    return read_yaml(text, filename)


def read_one(text: str, filename: str = "compose.yaml") -> Document:
    docs = read(text, filename)
    assert len(docs) == 1, f"expected one YAML document, got {len(docs)}"
    return docs[0]


def data(text: str) -> Any:
    """Plain data of a single-document YAML text."""
    return read_one(text).data


def _double(text: str, filename: str) -> list[Document]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Any, node: Any, wrap: type) -> Any:
        if isinstance(node, yaml.MappingNode):
            return wrap(loader.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return wrap(loader.construct_sequence(node, deep=True))
        value = loader.construct_scalar(node)
        return wrap(None if value == "" else value)

    Loader.add_constructor("!reset", lambda lo, n: construct(lo, n, Reset))
    Loader.add_constructor("!override", lambda lo, n: construct(lo, n, Override))
    docs = []
    for node in yaml.compose_all(text, Loader=Loader):
        loader = Loader("")
        value = loader.construct_document(node) if node is not None else None
        marks: Marks = {}
        _marks(node, (), filename, marks)
        docs.append(Document(filename, value, marks))
    return docs


def _marks(node: Any, path: tuple, filename: str, marks: Marks) -> None:
    import yaml

    if node is None:
        return
    marks[path] = Mark(filename, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _marks(value, path + (key.value,), filename, marks)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _marks(value, path + (i,), filename, marks)


def merged(base: str, override: str) -> Any:
    """``override`` merged onto ``base`` (two YAML texts), as plain data."""
    from compose.loader.merge import merge

    b, o = read_one(base, "base.yaml"), read_one(override, "override.yaml")
    return merge(b.data, o.data, b.marks, o.marks)[0]


def merged_with_marks(base: str, override: str) -> tuple[Any, Any]:
    from compose.loader.merge import merge

    b, o = read_one(base, "base.yaml"), read_one(override, "override.yaml")
    return merge(b.data, o.data, b.marks, o.marks)
