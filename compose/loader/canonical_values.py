"""Value parsers of the canonical stage: numbers, booleans, byte sizes, Go durations, ports, volume strings.

Each parser takes the value and its tree path and raises ``SchemaError`` naming the path and the fix.
``compose.loader.canonical`` applies them per attribute; others may use ``parse_duration``, ``parse_bytes`` and
``split_command`` directly.
"""

from __future__ import annotations

import copy
import ipaddress
import posixpath
import re
import shlex
from collections.abc import Callable
from typing import Any

from compose.errors import ComposeError, SchemaError
from compose.loader.document import Marks, TreePath, locate, path_str

Handler = Callable[[Any, TreePath], Any]

# ---------------------------------------------------------------------------------------------------- scalars


def invalid(path: TreePath, value: Any, what: str, hint: str) -> SchemaError:
    """The error for a value that has the right type but cannot be read (``tree_path`` kept for ``locate``)."""
    error = SchemaError(f"{_show(value)} is not a valid {what}", path=path_str(path), hint=hint)
    error.tree_path = path  # type: ignore[attr-defined]
    return error


def with_mark(error: ComposeError, marks: Marks | None) -> ComposeError:
    """``error`` pointed at its file:line:column when ``marks`` knows its tree path."""
    path = getattr(error, "tree_path", None)
    if marks and path is not None and error.mark is None:
        error.mark = locate(marks, path)
    return error


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def to_int(value: Any, path: TreePath) -> int:
    """An int, or a string holding one (interpolated values)."""
    if isinstance(value, bool):
        raise invalid(path, value, "integer", "write a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise invalid(path, value, "integer", "write a whole number") from None


def to_float(value: Any, path: TreePath) -> float:
    """A float, or a string holding one."""
    if isinstance(value, bool):
        raise invalid(path, value, "number", "write a number such as 0.5")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise invalid(path, value, "number", "write a number such as 0.5") from None


_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def to_bool(value: Any, path: TreePath) -> bool:
    """A bool, or a string holding one (``true``/``false``, and YAML 1.1's ``yes``/``no``/``on``/``off``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise invalid(path, value, "boolean", "write true or false")


def to_str(value: Any) -> str:
    """Scalars as compose-go renders them in string maps (environment, labels, options)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
_BYTES_RE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$", re.IGNORECASE)


def parse_bytes(value: Any, path: TreePath = ()) -> int:
    """``"1g"`` -> 1073741824 (binary units, like docker's RAMInBytes); ints pass; ``-1`` is kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    match = _BYTES_RE.match(text)
    if not match:
        raise invalid(path, value, "byte size", "use a number with an optional unit: b, k, m, g (e.g. 512m)")
    unit = (match.group(2) or "").lower()
    return int(float(match.group(1)) * _UNITS[unit])


_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def duration_ns(value: Any, path: TreePath = ()) -> int:
    """A Go duration (``1m30s``, ``1.5s``, ``10ms``) in nanoseconds; a bare number counts as seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value * 10**9))
    text = str(value).strip()
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    if body == "0":
        return 0
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _NS[match.group(2)]
        pos = match.end()
    if pos != len(body) or not body:
        raise invalid(path, value, "duration", "use a Go duration such as 1m30s, 10s or 500ms")
    return sign * int(round(total))


def parse_duration(value: Any, path: TreePath = ()) -> float:
    """A Go duration string in float seconds: ``parse_duration("1m30s") == 90.0``."""
    return duration_ns(value, path) / 10**9


def _frac(value: int, digits: int) -> str:
    whole, rest = divmod(value, 10**digits)
    tail = str(rest).rjust(digits, "0").rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def format_duration(ns: int) -> str:
    """Nanoseconds as Go's ``time.Duration.String()``: ``90s`` -> ``1m30s``, ``1h`` -> ``1h0m0s``."""
    if ns == 0:
        return "0s"
    sign, ns = ("-" if ns < 0 else ""), abs(ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_frac(ns, 3)}µs"
    if ns < 10**9:
        return f"{sign}{_frac(ns, 6)}ms"
    minutes, rest = divmod(ns, 60 * 10**9)
    text = f"{_frac(rest, 9)}s"
    if minutes:
        hours, minutes = divmod(minutes, 60)
        text = f"{minutes}m{text}"
        if hours:
            text = f"{hours}h{text}"
    return sign + text


def canonical_duration(value: Any, path: TreePath) -> str:
    """A duration re-printed the way ``docker compose config`` prints it."""
    return format_duration(duration_ns(value, path))


def split_command(command: str | list[str], path: TreePath = ()) -> list[str]:
    """A ``command``/``entrypoint`` string split like a POSIX shell would (go-shellwords semantics)."""
    if isinstance(command, list):
        return [str(part) for part in command]
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise invalid(path, command, "command", f"fix the quoting ({exc})") from None


# ---------------------------------------------------------------------------------------------------- maps


def to_map(
    value: Any, path: TreePath, *, sep: str = "=", bare: Any = None, stringify: bool = True, empty_key: bool = False
) -> dict:
    """``["A=1", "B"]`` or ``{A: 1}`` -> ``{"A": "1", "B": bare}``; values become strings.

    An empty key (``"=x"``) is an error unless ``empty_key`` (labels, as compose-go keeps them)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): (None if v is None else to_str(v) if stringify else v) for k, v in value.items()}
    out: dict[str, Any] = {}
    for i, item in enumerate(value):
        text = to_str(item)
        key, found, val = text.partition(sep)
        if not key and not empty_key:
            raise invalid(path + (i,), item, "entry", f"use KEY{sep}VALUE")
        out[key] = val if found else bare
    return out


def string_list(value: Any, _path: TreePath = ()) -> list[str]:
    """A string or a list -> a list of strings (``dns: 8.8.8.8`` -> ``["8.8.8.8"]``)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [to_str(v) for v in value]
    return [to_str(value)]


# ---------------------------------------------------------------------------------------------------- ports

PORT_HINT = "use [HOST_IP:][HOST:]CONTAINER[/PROTO], e.g. 8080:80 or 127.0.0.1:8080:80/udp"
PROTOCOLS = ("tcp", "udp", "sctp")


def _port_range(text: str, path: TreePath, spec: str) -> tuple[int, int]:
    start, _, end = text.partition("-")
    try:
        low, high = int(start), int(end or start)
    except ValueError:
        raise invalid(path, spec, "port", PORT_HINT) from None
    if not (0 <= low <= high <= 65535):
        raise invalid(path, spec, "port", PORT_HINT + " (ports are 0-65535, ranges low-high)")
    return low, high


def _split_port_spec(spec: str, path: TreePath) -> tuple[str, str, str, str]:
    body, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in PROTOCOLS:
        raise invalid(path, spec, "port", "the protocol must be tcp, udp or sctp")
    parts = body.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) >= 2 else ""
    ip = ":".join(parts[:-2]) if len(parts) >= 3 else ""
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise invalid(path, spec, "port", PORT_HINT) from None
    if not container:
        raise invalid(path, spec, "port", PORT_HINT + " (the container port is missing)")
    return ip, host, container, proto


def parse_port(spec: str, path: TreePath) -> list[dict[str, Any]]:
    """One short port string -> its long-form entries (a range gives one entry per container port)."""
    ip, host, container, proto = _split_port_spec(spec, path)
    c_low, c_high = _port_range(container, path, spec)
    h_low, h_high = _port_range(host, path, spec) if host else (0, 0)
    count = c_high - c_low + 1
    if host and (h_high - h_low + 1) != count and count != 1:
        raise invalid(path, spec, "port", "a host port range must be as long as the container port range")
    out = []
    for i in range(count):
        if not host:
            published = ""
        elif h_high - h_low + 1 == count:
            published = str(h_low + i)
        else:
            published = host
        entry: dict[str, Any] = {"mode": "ingress"}
        if ip:
            entry["host_ip"] = ip
        entry["target"] = c_low + i
        if published:
            entry["published"] = published
        entry["protocol"] = proto
        out.append(entry)
    return out


def _long_port(entry: dict, path: TreePath) -> dict:
    out = dict(entry)
    out.setdefault("mode", "ingress")
    out.setdefault("protocol", "tcp")
    if "target" in out:
        out["target"] = to_int(out["target"], path + ("target",))
    if out.get("published") is not None:
        out["published"] = to_str(out["published"])
    return out


def canonical_ports(value: Any, path: TreePath) -> list[dict]:
    """``ports`` in every form -> a list of long-form port dicts."""
    out: list[dict] = []
    for i, entry in enumerate(value or []):
        where = path + (i,)
        if isinstance(entry, dict):
            out.append(_long_port(entry, where))
        elif isinstance(entry, int) and not isinstance(entry, bool):
            out.append({"mode": "ingress", "target": entry, "protocol": "tcp"})
        elif isinstance(entry, str):
            out.extend(parse_port(entry, where))
        else:
            raise invalid(where, entry, "port", PORT_HINT)
    return out


# ---------------------------------------------------------------------------------------------------- volumes

VOLUME_HINT = "use [SOURCE:]TARGET[:OPTIONS], e.g. ./data:/data:ro or db:/var/lib/db"
_BIND_OPTIONS = {"rprivate", "private", "rshared", "shared", "rslave", "slave"}


def is_path_source(source: str) -> bool:
    """A short-syntax source that names a host path (not a named volume)."""
    return bool(source) and (source[0] in "./~" or source.startswith("\\\\") or bool(re.match(r"^[A-Za-z]:", source)))


def _volume_fields(spec: str, path: TreePath) -> list[str]:
    fields, buf, depth, i = [], "", 0, 0
    while i < len(spec):
        ch = spec[i]
        if spec.startswith("${", i):
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        if ch == ":" and depth == 0 and not (len(buf) == 1 and buf.isalpha() and not fields):
            fields.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    fields.append(buf)
    if any(not f for f in fields) or len(fields) > 3:
        raise invalid(path, spec, "volume", VOLUME_HINT)
    return fields


def parse_volume(spec: str, path: TreePath) -> dict[str, Any]:
    """One short volume string -> a long-form mount dict."""
    fields = _volume_fields(spec, path)
    source, target, options = ("", fields[0], "") if len(fields) == 1 else (fields + [""])[:3]
    out: dict[str, Any] = {}
    bind: dict[str, Any] = {}
    volume: dict[str, Any] = {}
    for option in filter(None, options.split(",")):
        if option in ("ro", "rw"):
            out["read_only"] = option == "ro"
        elif option == "nocopy":
            volume["nocopy"] = True
        elif option in _BIND_OPTIONS:
            bind["propagation"] = option
        elif option in ("z", "Z"):
            bind["selinux"] = option
    mount: dict[str, Any] = {"type": "bind" if is_path_source(source) else "volume"}
    if source:
        mount["source"] = source
    mount["target"] = posixpath.normpath(target) if target else target
    if out.get("read_only"):
        mount["read_only"] = True
    if mount["type"] == "bind":
        mount["bind"] = {**bind, "create_host_path": True}
    else:
        mount["volume"] = volume
    return mount


def _long_volume(entry: dict, path: TreePath) -> dict:
    out = copy.deepcopy(entry)
    if out.get("read_only") is not None:
        out["read_only"] = to_bool(out["read_only"], path + ("read_only",))
    for section, key in (("bind", "create_host_path"), ("volume", "nocopy")):
        if isinstance(out.get(section), dict) and out[section].get(key) is not None:
            out[section][key] = to_bool(out[section][key], path + (section, key))
    tmpfs = out.get("tmpfs")
    if isinstance(tmpfs, dict) and tmpfs.get("size") is not None:
        tmpfs["size"] = parse_bytes(tmpfs["size"], path + ("tmpfs", "size"))
    if out.get("target"):
        out["target"] = posixpath.normpath(out["target"])
    return out


def canonical_volumes(value: Any, path: TreePath) -> list[dict]:
    """``services.*.volumes`` -> a list of long-form mounts."""
    out = []
    for i, entry in enumerate(value or []):
        where = path + (i,)
        if isinstance(entry, str):
            out.append(parse_volume(entry, where))
        elif isinstance(entry, dict):
            out.append(_long_volume(entry, where))
        else:
            raise invalid(where, entry, "volume", VOLUME_HINT)
    return out
