"""Merge one compose document onto another, by the Compose Specification's merge rules (as compose-go applies them).

Mappings merge key by key; sequences append; a table of special rules (keyed by tree pattern) covers what the
spec makes different: ``command``/``entrypoint``/``healthcheck.test`` are replaced, ``environment``/``labels``/
``args``... are merged as ``KEY=VALUE`` sequences whichever syntax each side used, ``depends_on``/``networks``/
``models`` as mappings, ``build: path`` as ``{context: path}``, ``logging`` only when the driver agrees.  After the
merge, sequences whose entries have a unique key (ports, volumes, secrets, configs, env keys...) keep one entry per
key: a later entry replaces the earlier one in place.  ``!reset`` removes what the base had, ``!override`` replaces it;
no ``Reset``/``Override`` wrapper survives this stage.  Marks follow every value to its new place.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from compose.errors import LoadError
from compose.loader.document import Marks, Override, Reset, TreePath, locate, path_str
from compose.loader.merge_keys import Pattern, IndexedMarks, enforce_unique, fmt, lookup, reindex, subtree



def _drop(marks: Marks, path: TreePath) -> None:
    n = len(path)
    for key in [k for k in marks if k[:n] == path]:
        del marks[key]


# --------------------------------------------------------------------------------------------- tags
def resolve_tags(data: Any, marks: Marks, path: TreePath = ()) -> tuple[Any, Marks]:
    """One document on its own: ``!reset`` nodes dropped, ``!override`` unwrapped (marks re-indexed)."""
    out: Marks = {}
    value = _strip(data, marks, path, path, out)
    return value, out


def _strip(node: Any, marks: Marks, src: TreePath, dst: TreePath, out: Marks) -> Any:
    if isinstance(node, Override):
        node = node.value
    if src in marks:
        out[dst] = marks[src]
    if isinstance(node, dict):
        return {
            k: _strip(v, marks, src + (k,), dst + (k,), out) for k, v in node.items() if not isinstance(v, Reset)
        }
    if isinstance(node, list):
        items = []
        for i, v in enumerate(node):
            if not isinstance(v, Reset):
                items.append(_strip(v, marks, src + (i,), dst + (len(items),), out))
        return items
    return node


def _apply_resets(base: Any, over: Any, path: TreePath, marks: Marks) -> None:
    """Delete from ``base`` every mapping key the override tags ``!reset`` or ``!override``.

    A ``KEY=VALUE`` sequence of the base (environment merged from two syntaxes) loses the entries of those keys.
    """
    if isinstance(base, list) and isinstance(over, dict) and _rule(path) is _seq_rule:
        gone = {str(k) for k, v in over.items() if isinstance(v, (Reset, Override))}
        keep = [i for i, item in enumerate(base) if not (isinstance(item, str) and item.split("=", 1)[0] in gone)]
        reindex(marks, path, keep)
        base[:] = [base[i] for i in keep]
        return
    if not isinstance(base, dict) or not isinstance(over, dict):
        return
    for key, value in over.items():
        if key not in base:
            continue
        if isinstance(value, (Reset, Override)):
            del base[key]
            _drop(marks, path + (key,))
        else:
            _apply_resets(base[key], value, path + (key,), marks)


def _rule(path: TreePath) -> Callable[..., Any] | None:
    return lookup(_SPECIALS, path)


# --------------------------------------------------------------------------------------------- merge
class _Merger:
    """One merge: the two marks tables and the marks being written for the result."""

    def __init__(self, base_marks: Marks, over_marks: Marks) -> None:
        self.bm = base_marks if isinstance(base_marks, IndexedMarks) else IndexedMarks(base_marks)
        self.om = over_marks if isinstance(over_marks, IndexedMarks) else IndexedMarks(over_marks)
        self.out: Marks = {}

    def take(self, value: Any, marks: Marks, src: TreePath, dst: TreePath) -> Any:
        self.out.update(subtree(marks, src, dst))
        return copy.deepcopy(value)

    def node(self, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> Any:
        rule = _rule(p)
        if rule is not None:
            return rule(self, b, o, bp, op, p)
        if o is None:
            return self.take(b, self.bm, bp, p)
        if isinstance(b, dict):
            if not isinstance(o, dict):
                raise _cannot_override(p, self.om, op, o)
            return self.mapping(b, o, bp, op, p)
        if isinstance(b, list):
            if not isinstance(o, list):
                raise _cannot_override(p, self.om, op, o)
            return self.sequence(b, o, bp, op, p)
        return self.take(o, self.om, op, p)

    def mapping(self, b: dict, o: dict, bp: TreePath, op: TreePath, p: TreePath) -> dict:
        mark = self.om.get(op) or self.bm.get(bp)
        if mark is not None:
            self.out[p] = mark
        result: dict = {}
        for key, value in b.items():
            if key in o:
                result[key] = self.node(value, o[key], bp + (key,), op + (key,), p + (key,))
            else:
                result[key] = self.take(value, self.bm, bp + (key,), p + (key,))
        for key, value in o.items():
            if key not in b:
                result[key] = self.take(value, self.om, op + (key,), p + (key,))
        return result

    def sequence(self, b: list, o: list, bp: TreePath, op: TreePath, p: TreePath) -> list:
        mark = self.bm.get(bp) or self.om.get(op)
        if mark is not None:
            self.out[p] = mark
        items = [self.take(v, self.bm, bp + (i,), p + (i,)) for i, v in enumerate(b)]
        n = len(items)
        items += [self.take(v, self.om, op + (i,), p + (n + i,)) for i, v in enumerate(o)]
        return items


def _cannot_override(p: TreePath, marks: Marks, op: TreePath, o: Any) -> LoadError:
    return LoadError(
        f"cannot merge a {type(o).__name__} onto the base value (one is a mapping or a list, the other is not)",
        path=path_str(p),
        mark=locate(marks, op),
        hint="use the same syntax in both files, or tag the override with !override",
    )


def merge(
    base: dict,
    override: dict,
    base_marks: Marks | None = None,
    override_marks: Marks | None = None,
) -> tuple[dict, Marks]:
    """``override`` merged onto ``base`` (both whole compose documents); the result and its marks."""
    merged, marks = merge_at(base or {}, override or {}, base_marks or {}, override_marks or {})
    return merged, marks


def merge_at(
    base: Any,
    override: Any,
    base_marks: Marks,
    override_marks: Marks,
    *,
    base_path: TreePath = (),
    override_path: TreePath = (),
    path: TreePath = (),
) -> tuple[Any, Marks]:
    """Merge two nodes that sit at ``path`` of the result (``base_path``/``override_path`` in their marks tables)."""
    if (base is None or base == {}) and isinstance(override, dict) and override_path == path:
        result, marks = resolve_tags(override, override_marks, override_path)  # nothing to merge onto: a fresh copy
        return enforce_unique(result, marks, path), marks
    base, bmarks = resolve_tags(base, base_marks, base_path)
    _apply_resets(base, override, base_path, bmarks)
    over, omarks = resolve_tags(override, override_marks, override_path)
    merger = _Merger(bmarks, omarks)
    if base is None:
        result = merger.take(over, omarks, override_path, path)
    else:
        result = merger.node(base, over, base_path, override_path, path)
    marks = merger.out
    result = enforce_unique(result, marks, path)
    return result, marks


# --------------------------------------------------------------------------------------------- special rules
def _to_sequence(m: _Merger, value: Any, marks: Marks, src: TreePath, dst: TreePath, start: int) -> list:
    """A mapping as sorted ``KEY=VALUE`` strings (``KEY`` alone for null), a string as a one-item list."""
    if isinstance(value, list):
        return [m.take(v, marks, src + (i,), dst + (start + i,)) for i, v in enumerate(value)]
    if isinstance(value, str):
        if src in marks:
            m.out[dst + (start,)] = marks[src]
        return [value]
    if not isinstance(value, dict):
        return []
    entries: list[tuple[str, TreePath]] = []
    for key, val in value.items():
        if val is None:
            entries.append((str(key), src + (key,)))
        elif isinstance(val, list):
            entries += [(f"{key}={fmt(v)}", src + (key, i)) for i, v in enumerate(val)]
        else:
            entries.append((f"{key}={fmt(val)}", src + (key,)))
    entries.sort(key=lambda e: e[0])
    for i, (_, where) in enumerate(entries):
        mark = locate(marks, where)
        if mark is not None:
            m.out[dst + (start + i,)] = mark
    return [text for text, _ in entries]


def _seq_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> list:
    left = _to_sequence(m, b, m.bm, bp, p, 0)
    return left + _to_sequence(m, o, m.om, op, p, len(left))


def _extra_hosts_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> list:
    left = _to_sequence(m, b, m.bm, bp, p, 0)
    scratch = _Merger(m.bm, m.om)
    right = _to_sequence(scratch, o, m.om, op, (), 0)
    for i, item in enumerate(right):
        if item not in left:
            m.out.update(subtree(scratch.out, (i,), p + (len(left),)))
            left.append(item)
    return left


def _replace_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> Any:
    return m.take(o, m.om, op, p)


def _to_mapping(value: Any, default: dict | None) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(v): (dict(default) if default is not None else None) for v in value}
    return {}


def _as_mapping_rule(default: dict | None) -> Callable[..., Any]:
    def rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> dict:
        bmap, omap = _to_mapping(b, default), _to_mapping(o, default)
        for value, marks, where in ((b, m.bm, bp), (o, m.om, op)):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if where + (i,) in marks:
                        marks[where + (str(item),)] = marks[where + (i,)]
        return m.mapping(bmap, omap, bp, op, p)

    return rule


def _build_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> Any:
    bmap = {"context": b} if isinstance(b, str) else (b or {})
    omap = {"context": o} if isinstance(o, str) else (o or {})
    if isinstance(b, str) and bp in m.bm:
        m.bm[bp + ("context",)] = m.bm[bp]
    if isinstance(o, str) and op in m.om:
        m.om[op + ("context",)] = m.om[op]
    return m.mapping(bmap, omap, bp, op, p)


def _logging_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> Any:
    if not isinstance(b, dict) or not isinstance(o, dict):
        return m.take(o if o is not None else b, m.om if o is not None else m.bm, op if o is not None else bp, p)
    if "driver" not in o or "driver" not in b or o["driver"] == b["driver"]:
        return m.mapping(b, o, bp, op, p)
    return m.take(o, m.om, op, p)


def _ipam_config_rule(m: _Merger, b: Any, o: Any, bp: TreePath, op: TreePath, p: TreePath) -> Any:
    """IPAM pools merge by ``subnet``: a pool of the override with a known subnet merges onto it."""
    if o is None:
        return m.take(b, m.bm, bp, p)
    if not isinstance(b, list) or not isinstance(o, list):
        return _replace_rule(m, b, o, bp, op, p)
    result = [m.take(v, m.bm, bp + (i,), p + (i,)) for i, v in enumerate(b)]
    for i, pool in enumerate(o):
        subnet = pool.get("subnet") if isinstance(pool, dict) else None
        at = next((j for j, r in enumerate(result) if isinstance(r, dict) and r.get("subnet") == subnet), None)
        if at is None or subnet is None:
            result.append(m.take(pool, m.om, op + (i,), p + (len(result),)))
        else:
            scratch = _Merger(m.out, m.om)
            result[at] = scratch.mapping(result[at], pool, p + (at,), op + (i,), p + (at,))
            m.out.update(scratch.out)
    return result


_SEQ = _seq_rule
_SPECIALS: list[tuple[Pattern, Callable[..., Any]]] = [
    (("networks", "*", "ipam", "config"), _ipam_config_rule),
    (("networks", "*", "labels"), _SEQ),
    (("volumes", "*", "labels"), _SEQ),
    (("services", "*", "annotations"), _SEQ),
    (("services", "*", "build"), _build_rule),
    (("services", "*", "build", "args"), _SEQ),
    (("services", "*", "build", "additional_contexts"), _SEQ),
    (("services", "*", "build", "extra_hosts"), _extra_hosts_rule),
    (("services", "*", "build", "labels"), _SEQ),
    (("services", "*", "command"), _replace_rule),
    (("services", "*", "depends_on"), _as_mapping_rule({"condition": "service_started", "required": True})),
    (("services", "*", "deploy", "labels"), _SEQ),
    (("services", "*", "dns"), _SEQ),
    (("services", "*", "dns_opt"), _SEQ),
    (("services", "*", "dns_search"), _SEQ),
    (("services", "*", "entrypoint"), _replace_rule),
    (("services", "*", "env_file"), _SEQ),
    (("services", "*", "label_file"), _SEQ),
    (("services", "*", "environment"), _SEQ),
    (("services", "*", "extra_hosts"), _extra_hosts_rule),
    (("services", "*", "healthcheck", "test"), _replace_rule),
    (("services", "*", "labels"), _SEQ),
    (("services", "*", "volumes", "*", "volume", "labels"), _SEQ),
    (("services", "*", "logging"), _logging_rule),
    (("services", "*", "models"), _as_mapping_rule(None)),
    (("services", "*", "networks"), _as_mapping_rule(None)),
    (("services", "*", "sysctls"), _SEQ),
    (("services", "*", "tmpfs"), _SEQ),
    (("services", "*", "ulimits", "*"), _replace_rule),
]
