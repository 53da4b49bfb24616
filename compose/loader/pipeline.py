"""The whole load: compose files in, a typed ``Project`` out (or the dict ``dockyard config`` prints).

discover -> read each file (documents of a file merged in order) -> interpolate each document -> extends and
include -> merge files in order -> profiles -> schema (+ resource checks) -> canonical (+ service checks) ->
normalize (+ references) -> printed order -> bind (+ dependency graph).  The environment used for ``${VAR}`` is the
shell over the env files (``.env`` of the project directory, or ``--env-file``), plus ``COMPOSE_PROJECT_NAME``;
``COMPOSE_FILE``/``COMPOSE_PROJECT_NAME``/``COMPOSE_PROFILES`` may come from the working dir's ``.env``.  Marks
travel with the data so errors point at file:line:column.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from compose.errors import ComposeError, LoadError, SchemaError
from compose.loader import discover, dotenv
from compose.loader.canonical_values import with_mark
from compose.loader.consistency import check_resources, check_services
from compose.loader.document import Document, Mark, Marks, locate
from compose.loader.extends import apply_extends, rebase_project_paths
from compose.loader.files import read_yaml
from compose.loader.include import IncludeRequest, apply_include, resolve_bare_environment
from compose.loader.interpolate import interpolate, substitute
from compose.loader.merge import merge
from compose.loader.options import LoadOptions
from compose.loader.profiles import active_profiles, select_profiles
from runtime import record

STAGES = ("merge", "profiles", "schema", "canonical", "normalize")
STDIN_NAME = "stdin"


@record
class LoadedProject:
    """One loaded project: the typed model (None when not bound), the final dict and where it came from."""

    project: Any
    data: dict
    marks: Marks
    files: list[Path | str]
    project_dir: Path
    name: str
    environment: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    disabled_services: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()


@dataclass
class _Context:
    """What every file of one (sub-)project is loaded with."""

    options: LoadOptions
    environment: dict[str, str]
    working_dir: Path
    warnings: list[str]
    parsed: dict[str, list[Document]] = field(default_factory=dict)

    def lookup(self, name: str) -> str | None:
        return self.environment.get(name)

    def warn_unset(self, name: str) -> None:
        text = f'The "{name}" variable is not set. Defaulting to a blank string.'
        if text not in self.warnings:
            self.warnings.append(text)

    def with_project(self, environment: dict[str, str], working_dir: Path) -> "_Context":
        return _Context(self.options, environment, working_dir, self.warnings, self.parsed)


# --------------------------------------------------------------------------------------------- reading
def _read_text(file: Path | str, ctx: _Context) -> tuple[str, str]:
    """(name for marks, text) of a compose file or ``-``."""
    if file == "-":
        if ctx.options.stdin is None:
            raise LoadError("compose file '-' (stdin) given but no input was provided", hint="pipe the file in")
        return STDIN_NAME, ctx.options.stdin
    name = str(file)
    try:
        return name, Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(f"compose file {name} not found", file=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read compose file {name}: {exc}", file=name) from None


def _documents(file: Path | str, ctx: _Context) -> list[Document]:
    """The non-empty documents of a file (parsed once per load)."""
    key = STDIN_NAME if file == "-" else str(file)
    if key not in ctx.parsed:
        ctx.parsed[key] = _parse(file, ctx)
    return ctx.parsed[key]


def _parse(file: Path | str, ctx: _Context) -> list[Document]:
    name, text = _read_text(file, ctx)
    docs = []
    for doc in read_yaml(text, name):
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            raise SchemaError("a compose file must be a mapping at its top level", file=name,
                              mark=doc.marks.get(()), hint="start the file with keys such as services:")
        docs.append(doc)
    return docs


def _interpolated(doc: Document, ctx: _Context) -> Any:
    if not ctx.options.interpolate:
        return doc.data
    return interpolate(doc.data, doc.marks, ctx.lookup, warn=ctx.warn_unset)


# --------------------------------------------------------------------------------------------- one file
def _load_file(file: Path | str, ctx: _Context, chain: tuple[str, ...], acc: dict, marks: Marks) -> tuple[dict, Marks]:
    """Every document of ``file``, interpolated, extended, with includes, merged onto ``acc``."""
    name = STDIN_NAME if file == "-" else str(file)
    for doc in _documents(file, ctx):
        data = _interpolated(doc, ctx)
        data, doc_marks = apply_extends(data, doc.marks, filename=name, base_dir=ctx.working_dir,
                                        load=lambda path: _extends_file(path, ctx))
        data, doc_marks = apply_include(data, doc_marks, working_dir=ctx.working_dir, chain=chain + (name,),
                                        load=lambda request, inner: _included(request, inner, ctx))
        acc, marks = merge(acc, data, marks, doc_marks)
    return acc, marks


def _extends_file(path: Path, ctx: _Context) -> Document:
    """Another file named by ``extends: file:``: read and interpolated (its documents merged), tags kept."""
    if not path.is_file():
        raise FileNotFoundError(str(path))
    docs = _documents(path, ctx)
    if not docs:
        return Document(str(path), {}, {})
    if len(docs) == 1:
        return Document(str(path), _interpolated(docs[0], ctx), docs[0].marks)
    data, marks = {}, {}
    for doc in docs:
        data, marks = merge(data, _interpolated(doc, ctx), marks, doc.marks)
    return Document(str(path), data, marks)


def _included(request: IncludeRequest, chain: tuple[str, ...], ctx: _Context) -> tuple[dict, Marks]:
    """An included project: its env files under the including environment, its own directory, paths absolute."""
    env_files = request.env_files if request.env_files_given else [p for p in request.env_files if p.is_file()]
    missing = [p for p in env_files if not p.is_file()]
    if missing:
        raise LoadError(f"env file {missing[0]} of include {request.paths[0]} not found", file=str(missing[0]),
                        hint="env_file of an include entry is relative to the including project's directory")
    environment = dotenv.load_env_files(env_files, ctx.environment)
    inner = ctx.with_project(environment, request.project_directory)
    data: dict = {}
    marks: Marks = {}
    for path in request.paths:
        if not path.is_file():
            raise LoadError(f"included compose file {path} not found", file=str(path),
                            hint="check the include path (relative to the including project's directory)")
        data, marks = _load_file(path, inner, chain, data, marks)
    if inner.options.resolve_paths:
        data = rebase_project_paths(data, request.project_directory)
    return resolve_bare_environment(data, environment), marks


# --------------------------------------------------------------------------------------------- name
def _declared_name(files: list[Path | str], ctx: _Context) -> str | None:
    """The top-level ``name:`` of the files (last one wins), always interpolated with the env files' environment."""
    found = None
    for file in files:
        for doc in _documents(file, ctx):
            value = doc.data.get("name")
            if isinstance(value, str):
                found = substitute(value, ctx.lookup)  # even with --no-interpolate: a name must be a name
    return found


# --------------------------------------------------------------------------------------------- stages
def _discover(options: LoadOptions) -> tuple[list[Path | str], Path, dict[str, str], _Context, str]:
    """Files, project dir, environment and name.  ``COMPOSE_FILE``, ``COMPOSE_PROJECT_NAME`` and
    ``COMPOSE_PROFILES`` may come from the env file of the working dir (``--project-directory`` when given, or
    ``--env-file``), read before discovery as Docker Compose does."""
    early_dir = discover.project_directory(options, [])
    early = dotenv.load_env_files(dotenv.env_file_paths(options, early_dir), options.environ)
    files = discover.resolve_files(replace(options, environ=early) if early != options.environ else options)
    project_dir = discover.project_directory(options, files)
    environment = early
    if project_dir != early_dir:
        environment = {**early, **dotenv.load_env_files(dotenv.env_file_paths(options, project_dir), options.environ)}
    ctx = _Context(options, environment, project_dir, [])
    name = discover.project_name(options, _declared_name(files, ctx), project_dir, environment)
    ctx.environment = {**environment, "COMPOSE_PROJECT_NAME": name}
    return files, project_dir, ctx.environment, ctx, name


_SECTIONS = ("services", "networks", "volumes", "secrets", "configs")


def _check_shape(data: dict, marks: Marks) -> None:
    """Top-level sections and services are mappings (compose-go says so before the schema does)."""
    for section in _SECTIONS:
        value = data.get(section)
        if value is not None and not isinstance(value, dict):
            raise SchemaError(f"{section} must be a mapping", path=(section,), mark=locate(marks, (section,)),
                              hint=f"write {section}: as NAME: {{...}} entries, not a list")
    for name, svc in (data.get("services") or {}).items():
        if not isinstance(svc, dict):
            where = ("services", name)
            raise SchemaError(f"services.{name} must be a mapping", path=where, mark=locate(marks, where),
                              hint="give the service at least an image: or build:")


def _merged(files: list[Path | str], ctx: _Context, name: str) -> tuple[dict, Marks]:
    data: dict = {}
    marks: Marks = {}
    for file in files:
        data, marks = _load_file(file, ctx, (), data, marks)
    if not data:
        raise LoadError("empty compose file: nothing to load", file=str(files[0]),
                        hint="define at least one service under services:")
    _check_shape(data, marks)
    if "version" in data:
        ctx.warnings.append("the attribute `version` is obsolete, it will be ignored, please remove it to avoid "
                            "potential confusion")
        data.pop("version")
    return {"name": name, **{k: v for k, v in data.items() if k != "name"}}, marks


def _stage(name: str) -> Callable[..., Any]:
    """A later stage's entry point, imported when reached (so an early stop needs none of them)."""
    if name == "schema":
        from compose.loader.schema import validate

        return validate
    if name == "canonical":
        from compose.loader.canonical import canonicalize

        return canonicalize
    if name == "normalize":
        from compose.loader.normalize import normalize

        return normalize
    from compose.loader.bind import bind

    return bind


def _shown(name: str | None, working_dir: Path) -> str | None:
    """A file name as errors show it: relative to the working dir when below it (``compose.yaml:12:9``)."""
    if not name or not os.path.isabs(name):
        return name
    relative = os.path.relpath(name, os.path.abspath(working_dir))
    return name if relative.startswith("..") else relative


@contextmanager
def _errors_relative_to(working_dir: Path) -> Iterator[None]:
    """Also pauses the cyclic garbage collector: a load makes many small acyclic objects, and collections triggered
    by their count alone cost a third of the load time (measured on a 500-service file)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    except ComposeError as exc:
        if exc.mark is not None:
            exc.mark = Mark(_shown(exc.mark.file, working_dir) or exc.mark.file, exc.mark.line, exc.mark.column)
        exc.file = _shown(exc.file, working_dir)
        raise
    finally:
        if collecting:
            gc.enable()


def load_dict(options: LoadOptions, *, stop_after: str | None = None) -> LoadedProject:
    """Every stage up to ``stop_after`` (one of ``STAGES``; default all but bind); ``project`` is None.

    Data comes out in ``docker compose config``'s order after the last stage.  Errors name files relative to
    ``options.working_dir`` when they are below it.
    """
    with _errors_relative_to(options.working_dir):
        return _load_dict(options, stop_after)


def _load_dict(options: LoadOptions, stop_after: str | None) -> LoadedProject:
    """The stages (see ``load_dict``).  ``options.normalize=False`` skips normalize.

    ``options.interpolate=False`` keeps ``${VAR}`` as written: the raw data is schema-validated, then canonicalised
    and normalised only where its values allow (what ``config --no-interpolate`` prints); the semantic checks need
    real values and are skipped.
    """
    if stop_after is not None and stop_after not in STAGES:
        raise ValueError(f"unknown stage {stop_after!r}: one of {', '.join(STAGES)}")
    files, project_dir, environment, ctx, name = _discover(options)
    data, marks = _merged(files, ctx, name)
    selection = None
    last = stop_after or STAGES[-1]
    checked = options.interpolate
    for stage in STAGES[1 : STAGES.index(last) + 1]:
        if stage == "profiles":
            profiles = active_profiles(options.profiles, environment)
            selection = select_profiles(data, marks, profiles=profiles, services=options.services)
            data = selection.data
            ctx.warnings.extend(selection.warnings)
        elif stage == "schema":
            _stage("schema")(data, marks)
            if checked:
                check_resources(data, marks)
        elif stage == "canonical" and checked:
            data = _stage("canonical")(data, marks)
            check_services(data, marks, references=options.consistency)
        elif stage == "canonical":
            from compose.loader.raw import canonical_where_possible

            data = canonical_where_possible(data)
        elif stage == "normalize" and options.normalize:
            data = _normalized(data, name, project_dir, environment, marks, strict=checked,
                               references=options.consistency)
    if last == STAGES[-1]:
        from compose.loader.printed import printed_order

        data = printed_order(data)
    return LoadedProject(
        project=None, data=data, marks=marks, files=list(files), project_dir=project_dir, name=name,
        environment=environment, warnings=list(ctx.warnings),
        disabled_services=selection.disabled if selection else (),
        profiles=selection.active_profiles if selection else (),
    )  # fmt: skip


def _normalized(
    data: dict, name: str, project_dir: Path, environment: dict, marks: Marks, *, strict: bool, references: bool
) -> dict:
    normalize = _stage("normalize")
    if strict:
        return normalize(data, project_name=name, project_dir=project_dir, environ=environment, marks=marks,
                         references=references)
    try:  # raw ${VAR} values: defaults and paths where they can be worked out, the rest as written
        return normalize(data, project_name=name, project_dir=project_dir, environ=environment, references=False)
    except (ComposeError, ValueError, TypeError, AttributeError):
        return data


def load_project(options: LoadOptions) -> LoadedProject:
    """The whole pipeline, bound to ``compose.model.Project`` (``project`` is None when ``options.normalize`` or
    ``options.interpolate`` is False: such data is for printing only).

    Warnings name valid attributes dockyard does not act on, unset variables and obsolete keys.
    """
    with _errors_relative_to(options.working_dir):
        return _bound(_load_dict(options, None), options)


def _bound(loaded: LoadedProject, options: LoadOptions) -> LoadedProject:
    if not (options.normalize and options.interpolate):
        return loaded
    from compose.loader.bind import bind, unsupported_fields

    project = bind(loaded.data, working_dir=str(loaded.project_dir), environment=loaded.environment)
    if options.consistency:
        from compose.graph import check_dependencies

        try:
            check_dependencies(project)
        except ComposeError as exc:
            raise with_mark(exc, loaded.marks) from None
    warnings = loaded.warnings + [w for w in unsupported_fields(loaded.data) if w not in loaded.warnings]
    return replace(loaded, project=project, warnings=warnings)


__all__ = ["LoadedProject", "load_dict", "load_project", "STAGES"]
