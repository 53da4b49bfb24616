"""Image verbs: pull, push (a project's services) and ``dockyard image ...`` (the local store)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from compose.cli.base import (
    SERVICES,
    _check_format,
    _con,
    _gopts,
    _runtime,
    _short,
    _tuple,
    app,
    sub_app,
)


@app.command()
def pull(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    ignore_pull_failures: bool = typer.Option(False, "--ignore-pull-failures", help="Carry on after failures."),
    policy: Optional[str] = typer.Option(None, "--policy", help="missing or always."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress."),
    include_deps: bool = typer.Option(False, "--include-deps", help="Also pull dependencies."),
) -> None:
    """Pull the services' images."""
    from compose import pulls, service
    from compose.options import PullOptions

    if policy not in (None, "missing", "always"):
        raise typer.BadParameter("use missing or always", param_hint="--policy")
    console = _con(ctx)
    loaded = service.load(_gopts(ctx), _tuple(services))
    emit = (lambda e: None) if quiet else console.event
    failures = pulls.pull(_runtime(), loaded.project, PullOptions(_tuple(services), ignore_pull_failures, policy,
                                                                  quiet, include_deps), emit)
    for failure in failures:
        console.warning(failure)


@app.command()
def push(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    ignore_push_failures: bool = typer.Option(False, "--ignore-push-failures", help="Carry on after failures."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress."),
) -> None:
    """Push the services' images."""
    from compose import pulls, service

    console = _con(ctx)
    loaded = service.load(_gopts(ctx), _tuple(services))
    failures = pulls.push(_runtime(), loaded.project, _tuple(services), ignore_push_failures=ignore_push_failures,
                          emit=(lambda e: None) if quiet else console.event)
    for failure in failures:
        console.warning(failure)




# ================================================================================================ image ...
image_app = sub_app("image", "Manage images (dockyard's local store).")


@image_app.command("ls")
def image_ls(ctx: typer.Context, quiet: bool = typer.Option(False, "-q", "--quiet"),
             format: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """List local images."""
    from compose import engine

    _check_format(format, ("table", "json"))
    rows = engine.image_rows(_runtime().images.list())
    console = _con(ctx)
    if quiet:
        console.lines(dict.fromkeys(_short(r["ID"]) for r in rows))
    elif format == "json":
        console.json(rows)
    else:
        console.table(engine.IMAGE_HEADERS, [(r["Repository"], r["Tag"], _short(r["ID"]), r["CreatedAt"],
                                              engine.human_size(r["Size"])) for r in rows])


@image_app.command("pull")
def image_pull(ctx: typer.Context, ref: str = typer.Argument(..., metavar="NAME[:TAG|@DIGEST]"),
               platform: Optional[str] = typer.Option(None, "--platform"),
               quiet: bool = typer.Option(False, "-q", "--quiet")) -> None:
    """Pull an image from a registry."""
    console = _con(ctx)
    with console.transfer(quiet) as bars:
        info = _runtime().pull_image(ref, platform=platform, progress=bars.update)
    console.write(ref if quiet else f"{ref}: pulled {info.id}")


@image_app.command("push")
def image_push(ctx: typer.Context, ref: str = typer.Argument(...), dest: Optional[str] = typer.Argument(None),
               quiet: bool = typer.Option(False, "-q", "--quiet")) -> None:
    """Push a local image to a registry (to DEST if given)."""
    console = _con(ctx)
    with console.transfer(quiet) as bars:
        digest = _runtime().images.push(ref, dest, progress=bars.update)
    console.write(f"{dest or ref}: digest: {digest}")


@image_app.command("rm")
def image_rm(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="IMAGE..."),
             force: bool = typer.Option(False, "-f", "--force")) -> None:
    """Remove images."""
    rt, console = _runtime(), _con(ctx)
    for ref in refs:
        removed = rt.images.remove(ref, force=force)
        console.lines([f"Untagged: {u}" for u in removed.untagged] + [f"Deleted: {d}" for d in removed.deleted])


@image_app.command("inspect")
def image_inspect(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="IMAGE...")) -> None:
    """Show images' details as JSON."""
    import json

    rt = _runtime()
    _con(ctx).write(json.dumps([rt.images.inspect(ref) for ref in refs], indent=4))


@image_app.command("prune")
def image_prune(ctx: typer.Context, all: bool = typer.Option(False, "-a", "--all", help="Unused, not just dangling."),
                force: bool = typer.Option(False, "-f", "--force", help="Do not ask.")) -> None:
    """Remove unused images."""
    if not force and not typer.confirm("This will remove unused images. Are you sure you want to continue?"):
        return
    removed = _runtime().images.prune(all=all)
    _con(ctx).lines([f"Deleted: {d}" for d in removed.deleted])


@image_app.command("load")
def image_load(ctx: typer.Context, input: Path = typer.Option(..., "-i", "--input", help="Archive to read."),
               quiet: bool = typer.Option(False, "-q", "--quiet")) -> None:
    """Load images from a docker/OCI archive."""
    refs = _runtime().images.load(input)
    if not quiet:
        _con(ctx).lines(f"Loaded image: {r}" for r in refs)


@image_app.command("save")
def image_save(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="IMAGE..."),
               output: Path = typer.Option(..., "-o", "--output", help="Archive to write.")) -> None:
    """Save images to a docker-compatible archive."""
    _runtime().images.save(list(refs), output)


@image_app.command("import")
def image_import(ctx: typer.Context, path: Path = typer.Argument(..., metavar="FILE"),
                 ref: Optional[str] = typer.Argument(None, metavar="[REPOSITORY[:TAG]]")) -> None:
    """Create an image from a root filesystem tarball."""
    _con(ctx).write(_runtime().images.import_rootfs(path, ref).id)


@image_app.command("tag")
def image_tag(ctx: typer.Context, source: str = typer.Argument(...), target: str = typer.Argument(...)) -> None:
    """Give an image another name."""
    _runtime().images.tag(source, target)




@app.command()
def build(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    build_arg: Optional[List[str]] = typer.Option(None, "--build-arg",
                                                  help="KEY=VALUE (or KEY: from the environment)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use the build cache."),
    pull: bool = typer.Option(False, "--pull", help="Pull newer versions of the base images."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress output."),
    print_plan: bool = typer.Option(False, "--print", help="Print the resolved build plans; build nothing."),
) -> None:
    """Build the services' images (Dockerfiles, on dockyard's own runtime)."""
    import os

    from compose import build as B
    from compose import service

    loaded = service.load(_gopts(ctx), _tuple(services))
    opts = B.BuildOptions(_tuple(services), _tuple(build_arg), no_cache, pull)
    names = B.buildable(loaded.project, opts.services)
    console, rt = _con(ctx), _runtime()
    if print_plan:
        console.write(B.build_plans(rt, loaded.project, names, opts, dict(os.environ)))
        return
    if not names:
        console.warning("no service has a build section: nothing to build")
        return
    if _gopts(ctx).dry_run:
        project = loaded.project
        console.lines(f"build {n}: image {B.build_request(project, project.services[n], opts, {}).tags[0]}"
                      for n in B.build_order(project, names))
        return
    if quiet:
        B.build_services(rt, loaded.project, names, opts, dict(os.environ))
        return
    with console.builds() as shown:
        B.build_services(rt, loaded.project, names, opts, dict(os.environ), shown.event, shown.step)
