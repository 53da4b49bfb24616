"""Top-level ``include``: whole compose projects pulled into this one.

Each entry is a path (or a mapping with ``path`` — a string or a list of files merged in order —, an optional
``project_directory`` and ``env_file``).  Paths are relative to the including project's directory.  The included
project is loaded on its own (its own project directory, its own env files under the including environment, its
relative paths made absolute) by the pipeline, then its services, networks, volumes, secrets, configs and models
join this document.  Like Docker Compose, a resource the including file defines itself is merged over the imported
one (the including file wins, ``!reset``/``!override`` apply); two included files that define the same resource
differently are a conflict.  A file that includes itself, directly or not, is an "include cycle detected" error.
"""

from __future__ import annotations

import os.path
from pathlib import Path
from typing import Any, Callable

from compose.errors import LoadError
from compose.loader.document import Marks, TreePath, locate
from compose.loader.merge import merge_at, subtree
from runtime import record

RESOURCES = ("services", "networks", "volumes", "secrets", "configs", "models")


@record
class IncludeRequest:
    """One ``include`` entry, its paths made absolute."""

    paths: tuple[Path, ...]
    project_directory: Path
    env_files: tuple[Path, ...]
    env_files_given: bool


# Loads an included project (files merged, extends/includes applied, paths absolute); gets the include chain.
ProjectLoader = Callable[[IncludeRequest, tuple[str, ...]], tuple[dict, Marks]]


def _strings(value: Any, what: str, path: TreePath, marks: Marks) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise LoadError(f"include {what} must be a string or a list of strings", path=path, mark=locate(marks, path))


def parse_entry(entry: Any, index: int, working_dir: Path, marks: Marks) -> IncludeRequest:
    """An ``include`` list item as a request with absolute paths."""
    where: TreePath = ("include", index)
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        raise LoadError("include entries must be a path or a mapping with 'path'", path=where,
                        mark=locate(marks, where))
    paths = _strings(entry.get("path"), "path", where + ("path",), marks)
    if not paths:
        raise LoadError("include entry has no path", path=where, mark=locate(marks, where),
                        hint="name the compose file to include with 'path:'")
    files = tuple(Path(_abs(working_dir, p)) for p in paths)
    project_dir = entry.get("project_directory")
    project = Path(_abs(working_dir, str(project_dir))) if project_dir else files[0].parent
    env = _strings(entry.get("env_file"), "env_file", where + ("env_file",), marks)
    if env:
        env_files = tuple(Path(_abs(working_dir, f)) for f in env)
    else:
        env_files = (project / ".env",)
    return IncludeRequest(files, project, env_files, bool(env))


def _abs(base: Path, path: str) -> str:
    if path.startswith("~"):
        path = os.path.expanduser(path)
    return os.path.normpath(os.path.join(str(base), path))


def _cycle_check(request: IncludeRequest, chain: tuple[str, ...]) -> None:
    main = str(request.paths[0])
    if main in chain:
        steps = list(chain) + [main]
        raise LoadError("include cycle detected: " + " -> ".join(steps),
                        hint="remove one of the include entries of this loop")


def apply_include(
    data: Any, marks: Marks, *, working_dir: Path, chain: tuple[str, ...], load: ProjectLoader
) -> tuple[Any, Marks]:
    """``data`` with every ``include`` entry loaded and its resources added; no ``include`` key remains."""
    if not isinstance(data, dict) or "include" not in data:
        return data, marks
    entries = data["include"]
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise LoadError("include must be a list", path="include", mark=locate(marks, ("include",)))
    out = {k: v for k, v in data.items() if k != "include"}
    out_marks = {k: m for k, m in marks.items() if k[:1] != ("include",)}
    local = {kind: set(out.get(kind) or {}) if isinstance(out.get(kind), dict) else set() for kind in RESOURCES}
    for index, entry in enumerate(entries):
        request = parse_entry(entry, index, working_dir, marks)
        _cycle_check(request, chain)
        imported, imported_marks = load(request, chain)
        for kind in RESOURCES:
            _import(out, out_marks, imported, imported_marks, kind, local[kind], request)
    return out, out_marks


def _import(out: dict, out_marks: Marks, imported: dict, imported_marks: Marks, kind: str, local: set[str],
            request: IncludeRequest) -> None:
    source = imported.get(kind) if isinstance(imported, dict) else None
    if not isinstance(source, dict) or not source:
        return
    target = out.get(kind)
    target = dict(target) if isinstance(target, dict) else {}
    for name, value in source.items():
        here = (kind, name)
        if name not in target:
            target[name] = value
            out_marks.update(subtree(imported_marks, here, here))
        elif name in local:
            merged, merged_marks = merge_at(value, target[name], imported_marks, out_marks,
                                            base_path=here, override_path=here, path=here)
            target[name] = merged
            for key in [k for k in out_marks if k[:2] == here]:
                del out_marks[key]
            out_marks.update(merged_marks)
        elif target[name] != value:
            raise LoadError(
                f"{kind}.{name} conflicts with imported resource: {request.paths[0]} defines it differently "
                "from another included file",
                path=f"{kind}.{name}",
                mark=locate(imported_marks, here),
                hint="define it in one included file only, or override it in the including file",
            )
    out[kind] = target


def resolve_bare_environment(data: dict, environ: dict[str, str]) -> dict:
    """Services whose ``environment`` names a variable without a value get it from ``environ`` (if set there).

    An included project's services see its own env files this way, before they join the including project.
    """
    services = data.get("services")
    if not isinstance(services, dict):
        return data
    out = {}
    for name, svc in services.items():
        env = svc.get("environment") if isinstance(svc, dict) else None
        if isinstance(env, list):
            env = [f"{e}={environ[e]}" if isinstance(e, str) and "=" not in e and e in environ else e for e in env]
            svc = {**svc, "environment": env}
        elif isinstance(env, dict):
            env = {k: (environ[k] if v is None and k in environ else v) for k, v in env.items()}
            svc = {**svc, "environment": env}
        out[name] = svc
    return {**data, "services": out}
