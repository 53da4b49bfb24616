"""Image-config effects of Dockerfile instructions, on an OCI image ``config`` section (plain dict).

Pure helpers used by the build planner: the Env list (ordered, replace in place), Go durations for
HEALTHCHECK, EXPOSE port specs (ranges expanded, protocol defaulting to tcp), STOPSIGNAL names, and the
``created_by`` text of history entries.
"""

from __future__ import annotations

import copy
import json
import re
import signal as _signal
from collections.abc import Mapping
from typing import Any

from runtime.errors import ImageError

DEFAULT_SHELL = ("/bin/sh", "-c")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_DURATION_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PROTOCOLS = ("tcp", "udp", "sctp")


class ConfigValueError(ImageError):
    """An instruction's value is not valid for the image config (a duration, a port, a signal)."""


def scratch_config() -> dict[str, Any]:
    """The config of an empty image: only the default PATH, as BuildKit gives ``FROM scratch``."""
    return {"Env": [f"PATH={DEFAULT_PATH}"]}


def inherit_config(base: Mapping[str, Any] | None) -> dict[str, Any]:
    """A deep copy of a base image's ``config`` section (or the scratch config when there is none)."""
    if not base:
        return scratch_config()
    config = copy.deepcopy(dict(base))
    if not config.get("Env"):
        config["Env"] = [f"PATH={DEFAULT_PATH}"]
    return config


def env_of(config: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in config.get("Env") or []:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def set_env(config: dict[str, Any], key: str, value: str) -> None:
    """Set KEY=VALUE in ``config['Env']``, replacing an existing entry where it stands."""
    items = list(config.get("Env") or [])
    entry = f"{key}={value}"
    for i, item in enumerate(items):
        if item.partition("=")[0] == key:
            items[i] = entry
            break
    else:
        items.append(entry)
    config["Env"] = items


def parse_duration(text: str) -> int:
    """Go ``time.ParseDuration`` -> nanoseconds (non-negative only)."""
    text = text.strip()
    if text == "0":
        return 0
    pos = 0
    total = 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ConfigValueError(f"invalid duration {text!r}: write e.g. 30s, 1m30s or 500ms")
    return int(round(total))


def healthcheck_config(command: tuple[str, ...] | None, exec_form: bool, shell: tuple[str, ...],
                       options: Mapping[str, str]) -> dict[str, Any]:
    """HEALTHCHECK -> the ``Healthcheck`` object (durations in ns; zero values left out, as Docker does)."""
    if command is None:
        return {"Test": ["NONE"]}
    test = ["CMD", *command] if exec_form else ["CMD-SHELL", command[0] if command else ""]
    out: dict[str, Any] = {"Test": test}
    names = {"interval": "Interval", "timeout": "Timeout", "start-period": "StartPeriod",
             "start-interval": "StartInterval"}
    for flag, key in names.items():
        if flag in options:
            value = parse_duration(options[flag])
            if 0 < value < 1_000_000:
                raise ConfigValueError(f"HEALTHCHECK --{flag}={options[flag]}: cannot be less than 1ms")
            if value:
                out[key] = value
    if "retries" in options:
        try:
            retries = int(options["retries"])
        except ValueError:
            raise ConfigValueError(f"HEALTHCHECK --retries={options['retries']}: not a whole number") from None
        if retries < 0:
            raise ConfigValueError(f"HEALTHCHECK --retries={retries}: cannot be negative")
        if retries:
            out["Retries"] = retries
    return out


def expose_ports(spec: str) -> list[str]:
    """``80``, ``80/udp``, ``8000-8002/tcp`` -> ``['80/tcp']`` ... (ranges expanded)."""
    port, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in _PROTOCOLS:
        raise ConfigValueError(f"EXPOSE {spec}: invalid protocol {proto!r} (use tcp, udp or sctp)")
    if ":" in port:
        raise ConfigValueError(f"EXPOSE {spec}: a host port cannot be published from a Dockerfile; "
                               "publish it with ports: in the compose file")
    low, _, high = port.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise ConfigValueError(f"EXPOSE {spec}: invalid port; write e.g. 80, 80/udp or 8000-8010") from None
    if not 0 < first <= last <= 65535:
        raise ConfigValueError(f"EXPOSE {spec}: port out of range 1-65535")
    return [f"{p}/{proto}" for p in range(first, last + 1)]


def check_signal(text: str) -> str:
    """Accept ``SIGTERM``, ``TERM``, ``15`` or ``SIGRTMIN+3``; return it unchanged."""
    if text.isdigit() and 0 < int(text) < 65:
        return text
    name = text.upper()
    name = name if name.startswith("SIG") else "SIG" + name
    if name in _signal.Signals.__members__ or re.fullmatch(r"SIGRTM(IN|AX)([+-]\d+)?", name):
        return text
    raise ConfigValueError(f"STOPSIGNAL {text}: unknown signal; use a name such as SIGTERM or a number")


def go_list(values: tuple[str, ...] | list[str]) -> str:
    """A string list as Docker prints it in history: ``["a" "b"]``."""
    return "[" + " ".join(json.dumps(v) for v in values) + "]"
