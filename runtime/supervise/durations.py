"""Parse Go-style durations ("1m30s", "100ms", "2h") and docker byte sizes ("10m", "1g"). Pure."""

from __future__ import annotations

import re

from runtime.supervise.errors import PolicyError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_duration(value: str | float, *, what: str = "duration") -> float:
    """Seconds from a Go duration string ("1m30s") or a number of seconds. Negative values are refused."""
    if isinstance(value, bool):
        raise PolicyError(f"{what}: expected a duration like '30s', got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        seconds = _parse_text(value.strip(), what)
    if seconds < 0:
        raise PolicyError(f"{what}: negative duration {value!r}; use a value like '30s'")
    return seconds


def _parse_text(text: str, what: str) -> float:
    if text in ("0", ""):
        if text == "":
            raise PolicyError(f"{what}: empty duration; use a value like '30s'")
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    pos, total = 0, 0.0
    for match in _PART.finditer(body):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(body) or pos == 0:
        raise PolicyError(f"{what}: invalid duration {text!r}; use Go syntax like '1m30s', '500ms', '2h'")
    return sign * total


def parse_size(value: str | int, *, what: str = "size") -> int:
    """Bytes from a docker size ("10m" = 10 MiB, "1k", "512", "2g"); binary units like docker's json-file."""
    if isinstance(value, bool):
        raise PolicyError(f"{what}: expected a size like '10m', got {value!r}")
    if isinstance(value, int):
        number, unit = float(value), ""
    else:
        match = _SIZE.match(value)
        if not match:
            raise PolicyError(f"{what}: invalid size {value!r}; use a number with an optional k, m or g suffix")
        number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * _SIZE_UNITS[unit])
    if size <= 0:
        raise PolicyError(f"{what}: size must be positive, got {value!r}")
    return size


def format_duration(seconds: float) -> str:
    """A short Go-style rendering ("1m30s", "250ms") for messages."""
    if seconds < 1 and seconds > 0:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    frac = seconds - whole
    text = f"{hours}h" if hours else ""
    text += f"{minutes}m" if minutes or hours else ""
    return text + f"{secs + frac:g}s"
