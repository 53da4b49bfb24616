"""The verbs, each a short observe -> reconcile -> execute (or, for config, load -> render).

Functions here take ``*Options`` (and a runtime object ``rt``) and return data or text; they never print and never
exit (cli.py does both). Query verbs (ps, ls, port, top, images, wait) are in ``compose.queries``; logs and
attaching in ``compose.attach``; pull/push in ``compose.pulls``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from compose.events import Event, EventFn, ignore
from runtime import record

if TYPE_CHECKING:  # annotations only: `ps` and `down` must not load the other verbs' options
    from compose.options import ConfigOptions, DownOptions, GlobalOptions, UpOptions


@record
class Rendered:
    """What a verb produced: text for stdout, and warnings for stderr."""

    text: str
    warnings: tuple[str, ...] = ()


def config(gopts: GlobalOptions, opts: ConfigOptions, *, stdin: str | None = None) -> Rendered:
    """``dockyard config``: load, validate and render the project in Docker Compose's canonical form."""
    from compose.loader import pipeline

    profiles = ("*",) if opts.profiles else None
    if opts.variables:
        return _variables(gopts, opts, stdin)
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
    if opts.environment:
        return Rendered(_lines(f"{k}={v}" for k, v in sorted(loaded.environment.items())), warnings)
    return Rendered(render(data, opts.format), warnings)


def _variables(gopts: GlobalOptions, opts: ConfigOptions, stdin: str | None) -> Rendered:
    """``config --variables``: the variables the files interpolate, read before interpolation (none need a value)."""
    from compose.loader import pipeline, variables

    load = gopts.load_options(services=opts.selected, interpolate=False, normalize=False, profiles=("*",),
                              stdin=stdin)
    found = variables.extract(pipeline.load_dict(load, stop_after="merge").data)
    if opts.format == "json":
        return Rendered(json.dumps(variables.as_json(found), indent=2) + "\n", ())
    return Rendered(variables.table(found), ())


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


# ================================================================================================ loading
def load(gopts: GlobalOptions, services: tuple[str, ...] = (), *, all_profiles: bool = False) -> Any:
    """The project (``LoadedProject``), with the named services' profiles enabled."""
    from compose.loader import pipeline

    return pipeline.load_project(gopts.load_options(services=services, profiles=("*",) if all_profiles else None))


def project_name(gopts: GlobalOptions) -> str:
    """``-p``, else ``COMPOSE_PROJECT_NAME``, else the files' name (read without validating: ps stays fast)."""
    import os

    if gopts.project_name:
        return gopts.project_name
    if os.environ.get("COMPOSE_PROJECT_NAME"):
        return os.environ["COMPOSE_PROJECT_NAME"]
    fast = _name_without_yaml(gopts)
    if fast is not None:
        return fast
    from compose.loader import pipeline

    return pipeline.load_dict(gopts.load_options(), stop_after="merge").name


def _name_without_yaml(gopts: GlobalOptions) -> str | None:
    """The project name when no file sets a top-level ``name:`` (the usual case): discovery, env files and the
    directory name only, so ``ps``/``logs`` skip YAML and the load pipeline. None: take the full path."""
    import re

    from compose.loader import discover, dotenv

    options = gopts.load_options()
    files = discover.resolve_files(options)
    if any(not isinstance(f, type(files[0])) or str(f) == "-" for f in files):
        return None
    pattern = re.compile(r"^name\s*:", re.MULTILINE)
    for file in files:
        try:
            if pattern.search(open(file, encoding="utf-8").read()):
                return None
        except OSError:
            return None
    project_dir = discover.project_directory(options, files)
    environment = dotenv.load_env_files(dotenv.env_file_paths(options, project_dir), options.environ)
    return discover.project_name(options, None, project_dir, environment)


def optional_project(gopts: GlobalOptions, *, all_profiles: bool = False) -> Any:
    """The loaded project, or None when only ``-p NAME`` was given and no compose file is around."""
    from compose.errors import ProjectNotFoundError

    try:
        return load(gopts, all_profiles=all_profiles)
    except ProjectNotFoundError:
        if gopts.project_name and not gopts.files:
            return None
        raise


def select(project: Any, services: tuple[str, ...], *, no_deps: bool = False) -> Any:
    """The project restricted to ``services`` and what they depend on (only them, with ``no_deps``)."""
    from compose.errors import LoadError
    from compose.graph import ServiceGraph

    if not services:
        return project
    unknown = [s for s in services if s not in project.services]
    if unknown:
        raise LoadError(f"no such service: {', '.join(unknown)}", hint="check the names with `dockyard config --services`")
    if no_deps:
        kept = project.with_services(services)
        for name in services:
            kept = kept.with_service(kept.services[name].with_fields(depends_on=()))
        return kept
    keep = set(services)
    graph = ServiceGraph.from_project(project)
    for name in services:
        keep |= graph.dependencies(name)
    return project.with_services(tuple(keep))


# ================================================================================================ up / create
@record
class UpResult:
    plan: Any
    warnings: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


def up(rt: Any, loaded: Any, opts: UpOptions, emit: EventFn = ignore, *, dry_run: bool = False,
       build_progress: Any = None) -> UpResult:
    """Converge the project: build/pull missing images, reconcile, execute; with ``wait``, until healthy.
    ``dry_run``: only observe and plan (the result's plan says what would be done); ``build_progress(service,
    BuildEvent)`` sees the steps of the builds."""
    from compose.execute import ExecuteOptions, Executor
    from compose.lock import project_lock
    from compose.observe import observe
    from compose.reconcile import reconcile

    project = select(loaded.project, opts.services, no_deps=opts.no_deps)
    _check_scale(project, opts.scale)
    from compose import translate

    known = tuple(loaded.disabled_services) + tuple(sorted(set(loaded.project.services) - set(project.services)))
    refs = [translate.image_of(project.name, s) for s in project.services.values()]
    ropts = opts.reconcile_options(known, project_labels(loaded))
    if dry_run:
        plan = reconcile(project, observe(rt, project.name, images=refs), ropts)
        return UpResult(plan, tuple(loaded.warnings) + plan.warnings, tuple(project.services))
    with project_lock(project.name, on_wait=_lock_notice(project.name, emit)):
        ensure_images(rt, project, opts.pull, emit, no_build=opts.no_build, build=opts.build,
                      build_progress=build_progress, full=loaded.project)
        observed = observe(rt, project.name, images=refs)
        plan = reconcile(project, observed, ropts)
        executor = Executor(rt, emit)
        executor.up(plan, project, ExecuteOptions(parallel=opts.parallel, timeout=opts.timeout,
                                                  start=not opts.no_start, wait_timeout=opts.wait_timeout,
                                                  renew_anon_volumes=opts.renew_anon_volumes))
        if opts.wait and not opts.no_start:
            wanted = [n for n in project.services if dict(opts.scale).get(n, project.services[n].replicas) > 0]
            executor.wait_ready(project, wanted, opts.wait_timeout)
    return UpResult(plan, tuple(loaded.warnings) + plan.warnings, tuple(project.services))


def _lock_notice(name: str, emit: EventFn) -> Any:
    return lambda why: emit(Event("project", name, "Waiting", why))


def project_labels(loaded: Any) -> tuple[tuple[str, str], ...]:
    """Where the project came from, as Docker Compose labels it (``dockyard ls`` shows the files)."""
    from compose import labels as L

    files = ",".join(str(f) for f in loaded.files)
    out = [(L.CONFIG_FILES, files), (L.WORKING_DIR, str(loaded.project_dir))]
    return tuple((k, v) for k, v in out if v)


def _check_scale(project: Any, scale: tuple[tuple[str, int], ...]) -> None:
    from compose.errors import LoadError

    for name, _count in scale:
        if name not in project.services:
            raise LoadError(f"--scale {name}: no such service", hint="check the names with `dockyard config --services`")


# ================================================================================================ down
def down(rt: Any, name: str, project: Any, opts: DownOptions, emit: EventFn = ignore, *, dry_run: bool = False) -> Any:
    """Stop and remove the project's containers (dependents first), networks, and with -v/--rmi volumes/images.
    ``project`` may be None: then everything labelled with ``name`` goes. Returns the Plan."""
    from compose import plan as P
    from compose.execute import ExecuteOptions, Executor
    from compose.lock import project_lock
    from compose.observe import observe
    from compose.options import DownPlanOptions
    from compose.reconcile import label_dependencies, reconcile_down

    with project_lock(name, on_wait=_lock_notice(name, emit)):
        observed = observe(rt, name)
        plan = reconcile_down(project, observed, DownPlanOptions(opts.volumes, opts.rmi, opts.remove_orphans))
        if opts.services:
            plan = P.Plan(plan.project, tuple(a for a in plan.actions
                                              if a.kind == P.CONTAINER and a.service in opts.services))
        if dry_run:
            return plan
        deps = label_dependencies(observed)
        if project is not None:
            for svc in project.services.values():
                deps.setdefault(svc.name, set()).update(d.service for d in svc.depends_on)
        Executor(rt, emit).down(plan, deps, ExecuteOptions(parallel=opts.parallel, timeout=opts.timeout,
                                                           remove_volumes=opts.volumes))
    return plan


# ================================================================================================ re-exported
def ensure_images(rt: Any, project: Any, policy: str | None, emit: EventFn = ignore, **kwargs: Any) -> None:
    """Build or pull what the project's services need (``compose.pulls.ensure_images``; loaded on use)."""
    from compose.pulls import ensure_images as ensure

    ensure(rt, project, policy, emit, **kwargs)


from compose.lifecycle import (  # noqa: E402  (re-exported: the verbs live in one namespace for cli.py)
    containers, kill, parse_signal, pause, removable, restart, rm, start, stop, unpause,
)

__all__ = [
    "Rendered", "UpResult", "config", "containers", "down", "ensure_images", "kill", "load", "optional_project",
    "parse_signal", "pause", "project_name", "removable", "restart", "rm", "select", "start", "stop", "unpause", "up",
]
