"""Read and write YAML the way Docker Compose does (the only module that imports ``yaml``).

Reading follows compose-go, which decodes with Go's yaml.v3 into untyped data:

* scalars by the YAML 1.2 core schema as yaml.v3 reads them: ``true/True/TRUE`` and ``false...`` are booleans
  (``yes/no/on/off/y/n`` stay strings), ``~``/``null``/empty are null, ints in decimal, ``0x`` hex, ``0o`` octal,
  ``0b`` binary and, as yaml.v3 keeps for compatibility, ``0440`` octal (so ``mode: 0440`` means what users mean);
  ``_`` separators are ignored; floats, ``.inf``, ``.nan``; no base-60 (``1:20`` is a string); timestamps stay strings.
* anchors, aliases (each use is an independent copy) and ``<<`` merge keys (a map or a list of maps; explicit keys
  win, earlier maps win over later ones); ``!reset`` and ``!override`` become ``Reset``/``Override`` wrappers.
* rejected with a ``ParseError`` at file:line:column: YAML syntax errors, duplicate mapping keys, non-string keys
  (compose refuses them too), unknown tags, recursive aliases and alias bombs (yaml.v3's aliasing ratio rule).

Every node's position lands in ``Document.marks`` under its tree path: a scalar or flow collection at its value, a
block collection (or an empty value) at its key.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

import yaml

from compose.errors import ParseError
from compose.loader.document import Document, Mark, Marks, Override, Reset, TreePath, path_str
from compose.loader.emit import Unsupported, emit
from compose.loader.scalars import scalar_value, tagged_scalar

try:  # libyaml's composer is about ten times faster than the pure Python one
    from yaml._yaml import CParser as _BaseParser
except ImportError:  # pragma: no cover - depends on how pyyaml was built

    class _BaseParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


__all__ = ["read_yaml", "dump_yaml", "pyyaml_dump", "plain_reads_back", "scalar_value"]

_PLAIN = "?plain"  # our marker for untagged plain scalars: resolved by ``scalar_value``
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_WRAPPERS = {"!reset": Reset, "!override": Override}
_MAX_NODES = 5_000_000
_SOURCE = "YAML"

# ---------------------------------------------------------------------------------------------- reading


class _Parser(_BaseParser):  # type: ignore[misc,valid-type]
    """libyaml's composer with our resolver: plain scalars are left for ``scalar_value``."""

    def descend_resolver(self, *_: Any) -> None:
        pass

    def ascend_resolver(self, *_: Any) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _MAP if kind is yaml.MappingNode else _SEQ


def _mark(filename: str, node: yaml.Node) -> Mark:
    return Mark(filename, node.start_mark.line + 1, node.start_mark.column + 1)


def _allowed_alias_ratio(count: int) -> float:
    """yaml.v3's rule: the share of alias-expanded nodes allowed shrinks as documents grow."""
    if count <= 400_000:
        return 0.99
    if count >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (count - 400_000) / 3_600_000


class _Builder:
    """Turns one composed node tree into plain data, filling ``marks``."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.marks: Marks = {}
        self.visited: set[int] = set()
        self.active: set[int] = set()
        self.count = 0
        self.alias_count = 0

    def error(self, node: yaml.Node, path: TreePath, message: str, hint: str | None = None) -> ParseError:
        return ParseError(message, path=path_str(path) or None, mark=_mark(self.filename, node), hint=hint)

    def build(self, node: yaml.Node, path: TreePath, mark: Mark, in_alias: bool = False) -> Any:
        self.marks[path] = mark
        in_alias = self._account(node, path, in_alias)
        wrapper = _WRAPPERS.get(node.tag)
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, path)
        elif isinstance(node, yaml.SequenceNode):
            value = self._guarded(node, path, in_alias, self._sequence)
        else:
            value = self._guarded(node, path, in_alias, self._mapping)
        return wrapper(value) if wrapper else value

    def _account(self, node: yaml.Node, path: TreePath, in_alias: bool) -> bool:
        key = id(node)
        if key in self.visited:
            in_alias = True
        self.visited.add(key)
        self.count += 1
        self.alias_count += in_alias
        if self.count > _MAX_NODES or (
            self.alias_count > 100
            and self.count > 1000
            and self.alias_count / self.count > _allowed_alias_ratio(self.count)
        ):
            raise self.error(node, path, "document contains excessive aliasing", "expand fewer nested aliases")
        return in_alias

    def _guarded(self, node: yaml.Node, path: TreePath, in_alias: bool, build: Any) -> Any:
        key = id(node)
        if key in self.active:
            raise self.error(node, path, "alias refers to a node that contains it", "break the recursive anchor")
        if node.tag not in (_MAP, _SEQ) and node.tag not in _WRAPPERS:
            raise self.error(node, path, f"unknown tag {node.tag}", "compose understands only !reset and !override")
        self.active.add(key)
        try:
            return build(node, path, in_alias)
        finally:
            self.active.discard(key)

    def _scalar(self, node: yaml.ScalarNode, path: TreePath) -> Any:
        tag, plain = node.tag, not node.style
        if tag == _PLAIN or (tag in _WRAPPERS and plain):
            return scalar_value(node.value)
        if tag in _WRAPPERS:
            return node.value
        try:
            return tagged_scalar(tag, node.value)
        except ValueError as exc:
            hint = "compose understands only core tags (!!str, !!int, ...), !reset and !override"
            raise self.error(node, path, f"unknown tag {tag}" if tag.startswith("!") else str(exc), hint) from None

    def _sequence(self, node: yaml.SequenceNode, path: TreePath, in_alias: bool) -> list[Any]:
        file = self.filename
        return [
            self.build(item, path + (i,), _mark(file, item), in_alias) for i, item in enumerate(node.value)
        ]

    def _child_mark(self, key_node: yaml.Node, value_node: yaml.Node) -> Mark:
        block = isinstance(value_node, yaml.CollectionNode) and not value_node.flow_style
        empty = isinstance(value_node, yaml.ScalarNode) and value_node.value == "" and not value_node.style
        return _mark(self.filename, key_node if block or empty else value_node)

    def _key(self, node: yaml.Node, path: TreePath) -> str:
        key: Any = node.value if isinstance(node, yaml.ScalarNode) else node
        if isinstance(node, yaml.ScalarNode) and node.tag in (_PLAIN, _STR):
            key = scalar_value(node.value) if node.tag == _PLAIN else node.value
        if isinstance(key, str):
            return key
        shown = node.value if isinstance(node, yaml.ScalarNode) else "(a collection)"
        where = path_str(path) or "the top level"
        hint = f'quote it ("{shown}":) if it is meant as a name' if isinstance(node, yaml.ScalarNode) else None
        raise self.error(node, path, f"non-string key {shown} in {where}", hint)

    def _mapping(self, node: yaml.MappingNode, path: TreePath, in_alias: bool) -> dict[str, Any]:
        explicit: dict[str, int] = {}
        for key_node, _ in node.value:
            if _is_merge_key(key_node):
                continue
            key = self._key(key_node, path)
            if key in explicit:
                raise self.error(
                    key_node, path + (key,), f'mapping key "{key}" already defined at line {explicit[key]}',
                    "remove one of the two entries",
                )
            explicit[key] = key_node.start_mark.line + 1
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                self._merge(out, explicit, value_node, path, in_alias)
                continue
            key = key_node.value if key_node.tag == _STR else self._key(key_node, path)
            out[key] = self.build(value_node, path + (key,), self._child_mark(key_node, value_node), in_alias)
        return out

    def _merge(self, out: dict, explicit: dict, value: yaml.Node, path: TreePath, in_alias: bool) -> None:
        """Apply a ``<<`` entry: keys not set explicitly and not set by an earlier merged map."""
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode) or source.tag != _MAP:
                raise self.error(source, path, "a << merge key needs a mapping or a list of mappings")
            saved, self.marks = self.marks, {}
            try:
                merged = self.build(source, path, _mark(self.filename, source), in_alias)
                scratch = self.marks
            finally:
                self.marks = saved
            taken = {key for key in merged if key not in explicit and key not in out}
            out.update((key, item) for key, item in merged.items() if key in taken)
            depth = len(path)
            self.marks.update((p, m) for p, m in scratch.items() if len(p) > depth and p[depth] in taken)


def _is_merge_key(node: yaml.Node) -> bool:
    return node.tag == _PLAIN and node.value == "<<"


_SYNTAX_HINTS = (
    ("tab", "YAML indentation must use spaces, not tabs"),
    ("mapping values are not allowed", "quote a value that contains ': ' (\"a: b\"), or fix the indentation"),
    ("did not find expected key", "keys of one mapping must start in the same column"),
    ("could not find expected ':'", "put ':' after the key, and close every quote"),
    ("undefined alias", "define the anchor (&name) before the alias (*name) that uses it"),
    ("end of stream", "close every quote, [ and {"),
)


def _yaml_error(exc: yaml.YAMLError, filename: str, text: str) -> ParseError:
    problem_mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    mark = Mark(filename, problem_mark.line + 1, problem_mark.column + 1) if problem_mark else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        before = text[: exc.position]
        mark = Mark(filename, before.count("\n") + 1, len(before) - before.rfind("\n"))
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = f"character U+{char:04X} is not allowed in YAML"
    elif problem == "found undefined alias" and problem_mark is not None:
        line = text.splitlines()[problem_mark.line] if text.splitlines() else ""
        alias = re.match(r"\*[^\s,\[\]{}]+", line[problem_mark.column :])
        problem += f" {alias.group()}" if alias else ""
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    message = f"invalid YAML: {problem}"
    if context and context_mark is not None:
        message += f" ({context} at line {context_mark.line + 1})"
    hint = next((fix for clue, fix in _SYNTAX_HINTS if clue in problem), None)
    return ParseError(message, mark=mark, file=filename, hint=hint or "check the indentation and quoting here")


def read_yaml(text: str, filename: str) -> list[Document]:
    """Every YAML document in ``text`` as a ``Document`` (a file with no document at all gives ``[]``)."""
    documents: list[Document] = []
    try:
        for root in yaml.compose_all(text, Loader=_Parser):
            builder = _Builder(filename)
            data = builder.build(root, (), _mark(filename, root))
            documents.append(Document(filename, data, builder.marks))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, filename, text) from None
    except RecursionError:
        raise ParseError("YAML nested too deeply", file=filename, hint="flatten the document") from None
    return documents


# ---------------------------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """``docker compose config`` style: block style, 2-space indent, indented lists, no aliases, double quotes."""

    def choose_scalar_style(self) -> str:
        event = self.event
        if event.tag in _WRAPPERS and event.style is None and "\n" not in event.value:
            return ""  # plain after the tag; strings that would read back as another type carry quotes already
        style = super().choose_scalar_style()
        return '"' if style == "'" else style  # Go's yaml quotes with double quotes

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == _STR and value and not isinstance(scalar_value(value), str):
            return "tag:yaml.org,2002:int"  # anything but str: forces quotes so we read back a string
        return tag


def _represent_str(dumper: _Dumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(_STR, data, style=style)


def _represent_wrapper(tag: str):
    def represent(dumper: _Dumper, data: Reset | Override) -> yaml.Node:
        node = dumper.represent_data(data.value)
        if isinstance(node, yaml.ScalarNode) and isinstance(data.value, str) and node.style is None:
            if not data.value or not isinstance(scalar_value(data.value), str):
                node.style = "'"
        node.tag = tag
        return node

    return represent


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, lambda d, data: d.represent_list(list(data)))
_Dumper.add_representer(Reset, _represent_wrapper("!reset"))
_Dumper.add_representer(Override, _represent_wrapper("!override"))


def dump_yaml(data: Any) -> str:
    """``data`` as YAML text in the style of ``docker compose config`` (key order kept).

    Plain data goes through the fast writer of ``emit``; anything it does not know (tag wrappers...) through PyYAML,
    which writes the same text, ten times slower."""
    try:
        return emit(data, plain_reads_back)
    except Unsupported:
        return pyyaml_dump(data)


def pyyaml_dump(data: Any) -> str:
    """PyYAML's rendering of ``data`` (the reference ``emit`` matches byte for byte; also the fallback)."""
    try:
        return yaml.dump(
            data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1 << 30, indent=2
        )
    except yaml.YAMLError as exc:
        raise TypeError(f"cannot write as YAML: {exc}") from None


@lru_cache(maxsize=1 << 16)
def plain_reads_back(text: str) -> bool:
    """Whether ``text`` written plain reads back as the same string (for us, and for YAML 1.1 readers)."""
    return _PROBE.resolve(yaml.ScalarNode, text, (True, False)) == _STR


_PROBE = _Dumper(io.StringIO())
