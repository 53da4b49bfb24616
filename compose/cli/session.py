"""What the verbs share and that needs no typer: the runtime factory, the project name, the console, and the bodies
of ``ps``, ``down`` and ``container run`` (run by the typer commands and by the fast paths alike). Importing this
module stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VERSION = "0.1.0"

_runtime_factory: Callable[[], Any] | None = None


def set_runtime_factory(factory: Callable[[], Any] | None) -> None:
    """Use ``factory()`` instead of ``runtime.Runtime()`` (tests pass an in-memory fake)."""
    global _runtime_factory
    _runtime_factory = factory


def runtime() -> Any:
    """The runtime the verbs work on: the test factory's, else ``runtime.Runtime()``."""
    if _runtime_factory is not None:
        return _runtime_factory()
    from runtime import Runtime

    return Runtime()


def project_name(gopts: Any) -> str:
    """``-p``, else ``COMPOSE_PROJECT_NAME``, else the files' ``name:`` or the directory (``compose.service``
    decides; its first two steps are repeated here so that the usual cases do not load it)."""
    import os

    if gopts.project_name:
        return gopts.project_name
    if os.environ.get("COMPOSE_PROJECT_NAME"):
        return os.environ["COMPOSE_PROJECT_NAME"]
    from compose import service

    return service.project_name(gopts)


def console(gopts: Any, no_color: bool = False) -> Any:
    from compose.console import Console

    return Console(ansi=gopts.ansi, no_color=no_color)


def show_ps(gopts: Any, opts: Any) -> None:
    """``dockyard ps``: the project's containers as a table, JSON, IDs (``quiet``) or service names."""
    from compose import queries
    from compose import status as st

    infos = queries.ps(runtime(), project_name(gopts), opts)
    out = console(gopts)
    now = queries.now()
    if opts.quiet:
        out.lines(c.id for c in infos)
    elif opts.list_services:
        out.lines(dict.fromkeys(st.service_of(c) for c in infos))
    elif opts.format == "table":
        out.table(st.TABLE_HEADERS, [st.table_row(c, now) for c in infos])
    elif "{{" in opts.format:
        from compose import gotemplate

        out.write(gotemplate.render(opts.format, [st.ps_row(c, now) for c in infos]))
    else:
        out.json([st.ps_row(c, now) for c in infos], lines=opts.format == "jsonl")


def take_down(gopts: Any, opts: Any, all_profiles: bool = False) -> None:
    """``dockyard down`` (``opts``: ``compose.options.DownOptions``): the project from its files, or from ``-p`` alone
    when no file is around; prints the plan with ``--dry-run``, a warning when nothing was found."""
    from compose import service

    loaded = service.optional_project(gopts, all_profiles=all_profiles)
    name = loaded.name if loaded is not None else gopts.project_name
    project = loaded.project if loaded is not None else None
    out = console(gopts)
    plan = service.down(runtime(), name, project, opts, out.event, dry_run=gopts.dry_run)
    if gopts.dry_run:
        out.write(plan.text())
    elif not plan.actions:
        out.warning(f"No resource found to remove for project {name!r}.")


def run_container(gopts: Any, opts: Any) -> int:
    """``dockyard container run`` (``opts``: ``compose.engine.RunOptions``): pull the image if it is missing, create
    and start; attached, the container's exit code; detached, prints the id and returns 0. dockyard's default
    ``bridge`` network stays after the container, as Docker's does (``network rm bridge`` removes it)."""
    import os

    from compose import engine

    rt = runtime()
    if not rt.has_image(opts.image):
        with console(gopts).transfer(False) as bars:
            rt.pull_image(opts.image, progress=bars.update)
    spec = engine.run_spec(opts, dict(os.environ))
    code = rt.run(spec, attach=not opts.detach, remove=opts.remove and not opts.detach, warn=console(gopts).warning)
    if opts.detach:
        console(gopts).write(rt.inspect_container(spec.name)["Id"])
        return 0
    return int(code)
