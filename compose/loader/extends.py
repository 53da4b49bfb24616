"""Service ``extends``: a service starts from another one (same file, or ``file:`` another file) and merges its own
attributes on top, by the merge rules (``!reset``/``!override`` included).  Chains resolve recursively; a loop is an
``ExtendsError`` naming every step.  Relative paths of a service taken from another file (build context, bind mount
sources, env files, label files) are resolved against that file's directory, so they keep pointing where their
author meant.  Like Docker Compose v2, every attribute is inherited (``depends_on``, ``links``, ``volumes_from``
too): the spec leaves it to the user to declare what such references point at.
"""

from __future__ import annotations

import os.path
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from compose.errors import ExtendsError
from compose.loader.document import Document, Marks, Override, Reset, TreePath, locate
from compose.loader.merge import merge_at, subtree

# Reads and interpolates one more compose file (tags kept): the pipeline provides it.
FileLoader = Callable[[Path], Document]


@dataclass
class _File:
    path: str
    dir: Path
    data: dict
    marks: Marks
    done: dict[str, tuple[dict, Marks]] = field(default_factory=dict)

    @property
    def services(self) -> dict:
        services = self.data.get("services") if isinstance(self.data, dict) else None
        return services if isinstance(services, dict) else {}


class _Extender:
    def __init__(self, load: FileLoader | None) -> None:
        self.load = load
        self.files: dict[str, _File] = {}

    def resolve(self, name: str, file: _File, chain: tuple[tuple[str, str], ...]) -> tuple[dict, Marks]:
        """Service ``name`` of ``file`` with its ``extends`` applied; marks keyed under ``services.<name>``."""
        if name in file.done:
            return file.done[name]
        step = (file.path, name)
        if step in chain:
            raise _cycle(chain[chain.index(step):] + (step,), file.marks, name)
        here = ("services", name)
        svc = file.services[name]
        if not isinstance(svc, dict) or "extends" not in svc:
            return svc, subtree(file.marks, here, here)
        ref, other = _reference(svc["extends"], file, name)
        source = self.other_file(other, file, name, ref) if other is not None else file
        if ref not in source.services:
            raise _missing(name, ref, file, source)
        base, base_marks = self.resolve(ref, source, chain + (step,))
        if source is not file:
            base = rebase_service_paths(base, source.dir)
        own = {k: v for k, v in svc.items() if k != "extends"}
        merged, marks = merge_at(
            base, own, base_marks, file.marks, base_path=("services", ref), override_path=here, path=here
        )
        file.done[name] = (merged, marks)
        return merged, marks

    def other_file(self, other: str, file: _File, name: str, ref: str) -> _File:
        target = other if os.path.isabs(other) else os.path.normpath(os.path.join(file.dir, other))
        if target in self.files:
            return self.files[target]
        if self.load is None:
            raise ExtendsError(f"service {name!r} extends {ref!r} in {other}: no loader for other files")
        try:
            doc = self.load(Path(target))
        except FileNotFoundError as exc:
            raise ExtendsError(
                f"cannot extend service {name!r} in {file.path}: file {other} (service {ref!r}) not found",
                path=f"services.{name}.extends",
                mark=locate(file.marks, ("services", name, "extends")),
            ) from exc
        data = doc.data if isinstance(doc.data, dict) else {}
        loaded = _File(target, Path(target).parent, data, doc.marks)
        self.files[target] = loaded
        return loaded


def _reference(value: Any, file: _File, name: str) -> tuple[str, str | None]:
    if isinstance(value, (Reset, Override)):
        value = value.value
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and isinstance(value.get("service"), str):
        other = value.get("file")
        return value["service"], (str(other) if other is not None else None)
    raise ExtendsError(
        "extends must be a service name or a mapping with 'service' (and optionally 'file')",
        path=f"services.{name}.extends",
        mark=locate(file.marks, ("services", name, "extends")),
    )


def _cycle(steps: tuple[tuple[str, str], ...], marks: Marks, name: str) -> ExtendsError:
    text = " -> ".join(f"{svc} in {path}" for path, svc in steps)
    return ExtendsError(
        f"extends cycle: {text}",
        path=f"services.{name}.extends",
        mark=locate(marks, ("services", name, "extends")),
        hint="break the loop: a service cannot extend itself, directly or through others",
    )


def _missing(name: str, ref: str, file: _File, source: _File) -> ExtendsError:
    where = source.path if source is not file else file.path
    return ExtendsError(
        f"cannot extend service {name!r} in {file.path}: service {ref!r} not found in {where}",
        path=f"services.{name}.extends",
        mark=locate(file.marks, ("services", name, "extends")),
    )


def apply_extends(
    data: Any, marks: Marks, *, filename: str, base_dir: Path, load: FileLoader | None = None
) -> tuple[Any, Marks]:
    """Every service of one document with its ``extends`` resolved; no ``extends`` key remains."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return data, marks
    file = _File(os.path.normpath(filename) if filename != "-" else filename, base_dir, data, marks)
    extender = _Extender(load)
    extender.files[file.path] = file
    out_marks = dict(marks)
    services = dict(data["services"])
    for name, svc in data["services"].items():
        if isinstance(svc, dict) and "extends" in svc:
            merged, svc_marks = extender.resolve(name, file, ())
            services[name] = merged
            _replace_subtree(out_marks, ("services", name), svc_marks)
    return {**data, "services": services}, out_marks


def _replace_subtree(marks: Marks, path: TreePath, new: Marks) -> None:
    n = len(path)
    for key in [k for k in marks if k[:n] == path]:
        del marks[key]
    marks.update(new)


# --------------------------------------------------------------------------------------------- paths
def is_local_path(text: str) -> bool:
    """A volume source or context that names a host path (not a named volume, URL or reference)."""
    return text.startswith((".", "/", "~")) and "://" not in text


def _join(base_dir: Path, path: str) -> str:
    if path.startswith("~") or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(str(base_dir), path))


def _rebase_context(value: str, base_dir: Path) -> str:
    if "://" in value or value.startswith(("git@", "github.com/", "service:", "docker-image:", "oci-layout:")):
        return value
    return _join(base_dir, value)


def _rebase_volume(entry: Any, base_dir: Path) -> Any:
    if isinstance(entry, str):
        source, sep, rest = entry.partition(":")
        if sep and source.startswith("."):
            return f"{_join(base_dir, source)}:{rest}"
        return entry
    if isinstance(entry, dict) and entry.get("type") == "bind" and isinstance(entry.get("source"), str):
        return {**entry, "source": _join(base_dir, entry["source"])}
    return entry


def _rebase_files(value: Any, base_dir: Path) -> Any:
    if isinstance(value, str):
        return _join(base_dir, value)
    if isinstance(value, list):
        return [_rebase_files(v, base_dir) for v in value]
    if isinstance(value, dict) and isinstance(value.get("path"), str):
        return {**value, "path": _join(base_dir, value["path"])}
    return value


def rebase_service_paths(svc: dict, base_dir: Path) -> dict:
    """A (raw, short or long syntax) service whose relative host paths are made absolute under ``base_dir``."""
    out = dict(svc)
    build = out.get("build")
    if isinstance(build, str):
        out["build"] = _rebase_context(build, base_dir)
    elif isinstance(build, dict):
        build = dict(build)
        build["context"] = _rebase_context(str(build.get("context") or "."), base_dir)
        extra = build.get("additional_contexts")
        if isinstance(extra, dict):
            build["additional_contexts"] = {k: _rebase_context(str(v), base_dir) for k, v in extra.items()}
        out["build"] = build
    for key in ("env_file", "label_file"):
        if key in out and out[key] is not None:
            out[key] = _rebase_files(out[key], base_dir)
    if isinstance(out.get("volumes"), list):
        out["volumes"] = [_rebase_volume(v, base_dir) for v in out["volumes"]]
    return out


def rebase_project_paths(data: dict, base_dir: Path) -> dict:
    """A whole (raw) document with relative host paths made absolute: services, secrets/configs ``file``."""
    out = dict(data)
    if isinstance(out.get("services"), dict):
        out["services"] = {
            k: rebase_service_paths(v, base_dir) if isinstance(v, dict) else v for k, v in out["services"].items()
        }
    for kind in ("secrets", "configs"):
        if isinstance(out.get(kind), dict):
            out[kind] = {
                k: ({**v, "file": _join(base_dir, str(v["file"]))} if isinstance(v, dict) and v.get("file") else v)
                for k, v in out[kind].items()
            }
    return out


__all__ = ["apply_extends", "rebase_service_paths", "rebase_project_paths", "is_local_path", "FileLoader"]
