"""Profiles: which services of the merged document are active.

Active profiles come from ``--profile`` (or, when none is given, ``COMPOSE_PROFILES``: a comma list, read from the
shell or .env).  A service with no ``profiles`` is always active; one with profiles is active when one of them is
active, or when ``*`` is.  A service named on the command line enables its own profiles (and so every service that
shares one), as Docker Compose does.  Inactive services are removed; an active service that ``depends_on`` an
inactive one is an error, unless that dependency is ``required: false`` (then it is dropped, with a warning).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from compose.errors import ConsistencyError
from compose.loader.document import Marks, locate
from runtime import record


@record
class ProfileSelection:
    """The outcome: the document with only active services, what was left out, and warnings."""

    data: dict
    active_profiles: tuple[str, ...]
    disabled: tuple[str, ...]
    warnings: tuple[str, ...]


def active_profiles(flags: Iterable[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """``--profile`` values, else ``COMPOSE_PROFILES``; blanks dropped, order kept, duplicates removed."""
    names = [p.strip() for flag in flags for p in flag.split(",")]
    if not any(names):
        names = [p.strip() for p in (environ.get("COMPOSE_PROFILES") or "").split(",")]
    return tuple(dict.fromkeys(n for n in names if n))


def _profiles_of(svc: Any) -> list[str]:
    value = svc.get("profiles") if isinstance(svc, dict) else None
    if isinstance(value, str):
        return [value]
    return [str(p) for p in value] if isinstance(value, list) else []


def is_enabled(svc: Any, profiles: Iterable[str]) -> bool:
    """A service with no profiles, or one of whose profiles is active (``*`` activates all)."""
    own = _profiles_of(svc)
    active = set(profiles)
    return not own or "*" in active or bool(active.intersection(own))


def select_profiles(
    data: dict, marks: Marks, *, profiles: Iterable[str], services: Iterable[str] = ()
) -> ProfileSelection:
    """Keep the active services; check that none of them needs an inactive one."""
    all_services = data.get("services") if isinstance(data.get("services"), dict) else {}
    active = list(dict.fromkeys(profiles))
    for name in services:
        if name not in all_services:
            raise ConsistencyError(f"no such service: {name}", hint="check the service name and the compose files")
        if not is_enabled(all_services[name], active):
            active += [p for p in _profiles_of(all_services[name]) if p not in active]
    enabled = {n: s for n, s in all_services.items() if is_enabled(s, active)}
    disabled = tuple(n for n in all_services if n not in enabled)
    warnings: list[str] = []
    kept = {name: _check_dependencies(name, svc, all_services, enabled, marks, warnings)
            for name, svc in enabled.items()}
    out = dict(data)
    if "services" in data:
        out["services"] = kept
    return ProfileSelection(out, tuple(active), disabled, tuple(warnings))


def _dependencies(svc: dict) -> dict[str, dict]:
    value = svc.get("depends_on")
    if isinstance(value, list):
        return {str(n): {} for n in value}
    if isinstance(value, dict):
        return {str(n): (v if isinstance(v, dict) else {}) for n, v in value.items()}
    return {}


def _check_dependencies(
    name: str, svc: Any, all_services: dict, enabled: dict, marks: Marks, warnings: list[str]
) -> Any:
    if not isinstance(svc, dict):
        return svc
    deps = _dependencies(svc)
    dropped = []
    for dep, spec in deps.items():
        if dep in enabled or dep not in all_services:
            continue  # unknown services are the consistency check's business
        if spec.get("required", True) in (False, "false", "False"):
            dropped.append(dep)
            warnings.append(f"service {name!r} depends on {dep!r}, which is disabled by its profiles: skipped "
                            "(required: false)")
            continue
        where = ("services", name, "depends_on")
        needed = ", ".join(_profiles_of(all_services[dep]))
        raise ConsistencyError(
            f"service {name!r} depends on service {dep!r}, which is disabled (its profiles: {needed})",
            path=where,
            mark=locate(marks, where),
            hint=f"enable one of its profiles (--profile {_profiles_of(all_services[dep])[0]}) "
            "or mark the dependency 'required: false'",
        )
    if not dropped:
        return svc
    value = svc["depends_on"]
    if isinstance(value, list):
        value = [d for d in value if str(d) not in dropped]
    else:
        value = {k: v for k, v in value.items() if str(k) not in dropped}
    return {**svc, "depends_on": value}
