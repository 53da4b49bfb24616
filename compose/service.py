"""The verbs, each a short observe -> reconcile -> execute (or, for config, load -> render).

Functions here take ``*Options`` and return data or text; they never print and never exit (cli.py does both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from compose.options import ConfigOptions, GlobalOptions


@dataclass(frozen=True)
class Rendered:
    """What a verb produced: text for stdout, and warnings for stderr."""

    text: str
    warnings: tuple[str, ...] = ()


def config(gopts: GlobalOptions, opts: ConfigOptions, *, stdin: str | None = None) -> Rendered:
    """``dockyard config``: load, validate and render the project in Docker Compose's canonical form."""
    from compose.loader import pipeline

    profiles = ("*",) if opts.profiles else None
    load = gopts.load_options(
        services=opts.selected,
        interpolate=opts.interpolate,
        normalize=opts.normalize,
        profiles=profiles,
        stdin=stdin,
    )
    loaded = pipeline.load_project(load)
    data = loaded.data
    warnings = tuple(loaded.warnings)
    if opts.selected:
        data = _only_services(data, opts.selected)
    if opts.quiet:
        return Rendered("", warnings)
    services = data.get("services") or {}
    if opts.services:
        return Rendered(_lines(services), warnings)
    if opts.volumes:
        return Rendered(_lines(data.get("volumes") or {}), warnings)
    if opts.networks:
        return Rendered(_lines(data.get("networks") or {}), warnings)
    if opts.profiles:
        found = sorted({p for svc in services.values() for p in (svc.get("profiles") or [])})
        return Rendered(_lines(found), warnings)
    if opts.images:
        return Rendered(_lines(_image_of(loaded.name, name, svc) for name, svc in services.items()), warnings)
    if opts.hash is not None:
        return Rendered(_hashes(services, opts.hash), warnings)
    return Rendered(render(data, opts.format), warnings)


def render(data: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    from compose.loader.files import dump_yaml

    return dump_yaml(data)


def _lines(items) -> str:
    return "".join(f"{item}\n" for item in items)


def _image_of(project: str, name: str, svc: dict) -> str:
    return svc.get("image") or f"{project}-{name}"


def _hashes(services: dict, which: str) -> str:
    from compose.errors import LoadError
    from compose.labels import config_hash

    wanted = list(services) if which in ("*", "") else [s.strip() for s in which.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in services]
    if unknown:
        raise LoadError(f"no such service: {', '.join(unknown)}", hint="check the names with `dockyard config --services`")
    return "".join(f"{name} {config_hash(services[name])}\n" for name in wanted)


def _only_services(data: dict, selected: tuple[str, ...]) -> dict:
    """Keep the named services and everything they depend on (as docker compose config SERVICE... does)."""
    from compose.errors import LoadError

    services = data.get("services") or {}
    unknown = [s for s in selected if s not in services]
    if unknown:
        raise LoadError(f"no such service: {', '.join(unknown)}", hint="check the names with `dockyard config --services`")
    keep: list[str] = []
    todo = list(selected)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.append(name)
        deps = services[name].get("depends_on") or {}
        todo.extend(d for d in deps if d in services)
    out = dict(data)
    out["services"] = {k: v for k, v in services.items() if k in keep}
    return out
