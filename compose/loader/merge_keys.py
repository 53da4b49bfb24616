"""Keyed lists and scalars for the merge: which sequences keep one entry per key (ports by published port and
protocol, volumes by target, ``KEY=VALUE`` lists by key...), how a later entry replaces an earlier one, and how
compose-go prints scalars (Go's ``%v``, floats included) when a mapping becomes a ``KEY=VALUE`` list.
Also the marks bookkeeping those steps need (``subtree``, ``reindex``).
"""

from __future__ import annotations

from typing import Any, Callable

from compose.loader.document import Marks, TreePath

Pattern = tuple[str, ...]


# --------------------------------------------------------------------------------------------- marks
class IndexedMarks(dict):
    """A marks table that also knows, for every path, the marked paths below it (subtree copies in O(size))."""

    def __init__(self, marks: Marks) -> None:
        super().__init__(marks)
        self.below: dict[TreePath, list[TreePath]] = {}
        for key in self:
            self._index(key)

    def _index(self, key: TreePath) -> None:
        for end in range(len(key)):
            self.below.setdefault(key[:end], []).append(key)

    def __setitem__(self, key: TreePath, mark: Any) -> None:
        if key not in self:
            self._index(key)
        super().__setitem__(key, mark)


def subtree(marks: Marks, src: TreePath, dst: TreePath) -> Marks:
    """Marks under ``src`` re-keyed under ``dst``."""
    n = len(src)
    if isinstance(marks, IndexedMarks):
        keys = marks.below.get(src, [])
        out = {dst + key[n:]: marks[key] for key in keys if key in marks}
        if src in marks:
            out[dst] = marks[src]
        return out
    return {dst + key[n:]: mark for key, mark in marks.items() if key[:n] == src}


def matches(path: TreePath, pattern: Pattern) -> bool:
    """``("services", "web", "ports")`` matches ``("services", "*", "ports")``."""
    return len(path) == len(pattern) and all(p == "*" or p == str(k) for k, p in zip(path, pattern))


_LOOKUPS: dict[tuple[int, TreePath], Any] = {}


def lookup(table: list[tuple[Pattern, Any]], path: TreePath) -> Any:
    """The value of the first pattern of ``table`` that ``path`` matches (None if none).

    Every pattern has ``*`` in second place (the service or resource name), so answers are cached by the path with
    that name blanked: a 500-service merge asks the same few dozen questions.
    """
    if len(path) < 2 or path[0] not in ("services", "networks", "volumes"):
        return None
    key = (id(table), (path[0], "*", *path[2:]))
    if key not in _LOOKUPS:
        _LOOKUPS[key] = next((value for pattern, value in table if matches(path, pattern)), None)
    return _LOOKUPS[key]



def reindex(marks: Marks, path: TreePath, origin: list[int]) -> None:
    """Marks of the list at ``path`` after it kept only the items ``origin`` (old indexes, in new order)."""
    moved: Marks = {}
    for new, old in enumerate(origin):
        moved.update(subtree(marks, path + (old,), path + (new,)))
    n = len(path)
    for key in [k for k in marks if len(k) > n and k[:n] == path]:
        del marks[key]
    marks.update(moved)


def fmt(value: Any) -> str:
    """A scalar as compose-go prints it with %v."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64 (``%g`` with the shortest digits): ``1.5``, ``100000``, ``1e+06``, ``1e-05``."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    digits = raw.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(raw) - len(digits))  # decimal point position in digits
    digits = digits.rstrip("0")
    exp = point - 1
    if exp < -4 or exp >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


# --------------------------------------------------------------------------------------------- unicity
def _kv_key(entry: Any) -> str:
    return entry.split("=", 1)[0] if isinstance(entry, str) else repr(entry)


def _volume_key(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry.get("target", ""))
    parts = str(entry).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _port_key(entry: Any) -> str:
    """``[ip:][published:]target[/protocol]`` or the long syntax, as one comparable key."""
    if isinstance(entry, dict):
        ip, published = entry.get("host_ip") or "", entry.get("published")
        target, proto = entry.get("target"), entry.get("protocol") or "tcp"
        return f"{ip}|{'' if published is None else published}|{target}|{proto}"
    text = str(entry)
    text, _, proto = text.partition("/")
    if text.startswith("["):  # [ipv6]:published:target
        ip, _, rest = text[1:].partition("]")
        parts = [ip] + rest.lstrip(":").split(":")
    else:
        parts = text.split(":")
    parts = [""] * (3 - len(parts)) + parts if len(parts) < 3 else [":".join(parts[:-2])] + parts[-2:]
    return f"{parts[0]}|{parts[1]}|{parts[2]}|{proto or 'tcp'}"


def _mount_key(default_dir: str) -> Callable[[Any], str]:
    def key(entry: Any) -> str:
        if isinstance(entry, dict):
            target = entry.get("target")
            if target:
                return str(target) if str(target).startswith("/") else f"{default_dir}/{target}"
            return f"{default_dir}/{entry.get('source')}"
        return f"{default_dir}/{entry}"

    return key


def _device_key(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry.get("target", ""))
    parts = str(entry).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _env_file_key(entry: Any) -> str:
    return str(entry.get("path")) if isinstance(entry, dict) else str(entry)


UNIQUE: list[tuple[Pattern, Callable[[Any], str]]] = [
    (("networks", "*", "labels"), _kv_key),
    (("networks", "*", "ipam", "options"), _kv_key),
    (("services", "*", "annotations"), _kv_key),
    (("services", "*", "build", "args"), _kv_key),
    (("services", "*", "build", "additional_contexts"), _kv_key),
    (("services", "*", "build", "platform"), _kv_key),
    (("services", "*", "build", "tags"), _kv_key),
    (("services", "*", "build", "labels"), _kv_key),
    (("services", "*", "cap_add"), _kv_key),
    (("services", "*", "cap_drop"), _kv_key),
    (("services", "*", "configs"), _mount_key("")),
    (("services", "*", "deploy", "labels"), _kv_key),
    (("services", "*", "devices"), _device_key),
    (("services", "*", "dns"), _kv_key),
    (("services", "*", "dns_opt"), _kv_key),
    (("services", "*", "dns_search"), _kv_key),
    (("services", "*", "environment"), _kv_key),
    (("services", "*", "env_file"), _env_file_key),
    (("services", "*", "expose"), str),
    (("services", "*", "labels"), _kv_key),
    (("services", "*", "links"), _kv_key),
    (("services", "*", "networks", "*", "aliases"), _kv_key),
    (("services", "*", "networks", "*", "link_local_ips"), _kv_key),
    (("services", "*", "ports"), _port_key),
    (("services", "*", "profiles"), _kv_key),
    (("services", "*", "secrets"), _mount_key("/run/secrets")),
    (("services", "*", "sysctls"), _kv_key),
    (("services", "*", "tmpfs"), _kv_key),
    (("services", "*", "volumes"), _volume_key),
]


def enforce_unique(data: Any, marks: Marks, path: TreePath = ()) -> Any:
    """Keep one entry per unique key in keyed sequences; a later entry replaces the earlier one in place."""
    if isinstance(data, dict):
        return {k: enforce_unique(v, marks, path + (k,)) for k, v in data.items()}
    if not isinstance(data, list):
        return data
    key_of = lookup(UNIQUE, path)
    if key_of is None:
        return data
    result: list = []
    origin: list[int] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data):
        key = key_of(entry)
        if key in seen:
            result[seen[key]] = entry
            origin[seen[key]] = i
        else:
            seen[key] = len(result)
            result.append(entry)
            origin.append(i)
    if len(result) != len(data) or origin != list(range(len(data))):
        reindex(marks, path, origin)
    return result
