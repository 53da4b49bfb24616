"""Project verbs: version, config, up, create, down (and the attached output of up)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from compose.cli.base import (
    SERVICES,
    TIMEOUT,
    VERSION,
    _con,
    _gopts,
    _runtime,
    _scale,
    _tuple,
    app,
)


@app.command()
def version(
    ctx: typer.Context,
    format: str = typer.Option("pretty", "--format", help="pretty or json."),
    short: bool = typer.Option(False, "--short", help="Only the version number."),
) -> None:
    """Show the dockyard version."""
    if short:
        typer.echo(VERSION)
    elif format == "json":
        typer.echo(f'{{"version":"{VERSION}"}}')
    else:
        typer.echo(f"dockyard version {VERSION}")


@app.command()
def config(
    ctx: typer.Context,
    services_args: Optional[List[str]] = typer.Argument(None, metavar="[SERVICE...]"),
    format: str = typer.Option("yaml", "--format", help="yaml or json."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only validate."),
    services: bool = typer.Option(False, "--services", help="Print the service names."),
    volumes: bool = typer.Option(False, "--volumes", help="Print the volume names."),
    networks: bool = typer.Option(False, "--networks", help="Print the network names."),
    images: bool = typer.Option(False, "--images", help="Print the image names."),
    profiles: bool = typer.Option(False, "--profiles", help="Print the profile names."),
    hash: Optional[str] = typer.Option(None, "--hash", help="Print the config hash of services ('*' for all)."),
    no_interpolate: bool = typer.Option(False, "--no-interpolate", help="Do not interpolate variables."),
    no_normalize: bool = typer.Option(False, "--no-normalize", help="Do not normalize (paths, defaults)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to a file instead of stdout."),
    variables: bool = typer.Option(False, "--variables", help="Print the variables the files use, with defaults."),
    environment: bool = typer.Option(False, "--environment", help="Print the environment used for interpolation."),
) -> None:
    """Validate the compose files and print the project in canonical form."""
    from compose import service
    from compose.options import ConfigOptions

    if format not in ("yaml", "json"):
        raise typer.BadParameter("use yaml or json", param_hint="--format")
    opts = ConfigOptions(
        format=format, quiet=quiet, services=services, volumes=volumes, networks=networks, images=images,
        profiles=profiles, hash=hash, interpolate=not no_interpolate, normalize=not no_normalize, output=output,
        selected=tuple(services_args or ()), variables=variables, environment=environment,
    )
    stdin = sys.stdin.read() if "-" in ctx.obj.files else None
    result = service.config(ctx.obj, opts, stdin=stdin)
    console = _con(ctx)
    for warning in result.warnings:
        console.warning(warning)
    if output is not None:
        output.write_text(result.text)
    elif result.text:
        console.write(result.text)



# ================================================================================================ up / down
@app.command()
def up(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    detach: bool = typer.Option(False, "-d", "--detach", help="Run in the background."),
    wait: bool = typer.Option(False, "--wait", help="Wait until services are running and healthy (implies -d)."),
    wait_timeout: Optional[float] = typer.Option(None, "--wait-timeout", help="Most seconds to wait."),
    no_deps: bool = typer.Option(False, "--no-deps", help="Do not start linked services."),
    no_start: bool = typer.Option(False, "--no-start", help="Create but do not start."),
    force_recreate: bool = typer.Option(False, "--force-recreate", help="Recreate even if unchanged."),
    no_recreate: bool = typer.Option(False, "--no-recreate", help="Never recreate existing containers."),
    always_recreate_deps: bool = typer.Option(False, "--always-recreate-deps", help="Recreate dependencies."),
    remove_orphans: bool = typer.Option(False, "--remove-orphans", help="Remove containers of undefined services."),
    scale: Optional[List[str]] = typer.Option(None, "--scale", help="SERVICE=NUM replicas."),
    timeout: Optional[float] = TIMEOUT,
    renew_anon_volumes: bool = typer.Option(False, "-V", "--renew-anon-volumes", help="New anonymous volumes."),
    pull: str = typer.Option("policy", "--pull", help="always, missing, never or policy (the services')."),
    build: bool = typer.Option(False, "--build", help="Build images before starting containers."),
    no_build: bool = typer.Option(False, "--no-build", help="Do not build missing images."),
    abort_on_container_exit: bool = typer.Option(False, "--abort-on-container-exit", help="Stop all on any exit."),
    abort_on_container_failure: bool = typer.Option(False, "--abort-on-container-failure",
                                                    help="Stop all when a container exits non-zero."),
    exit_code_from: Optional[str] = typer.Option(None, "--exit-code-from", help="Exit with this service's code."),
    attach: Optional[List[str]] = typer.Option(None, "--attach", help="Only attach to these services."),
    no_attach: Optional[List[str]] = typer.Option(None, "--no-attach", help="Do not attach to these services."),
    no_color: bool = typer.Option(False, "--no-color", help="Monochrome output."),
    no_log_prefix: bool = typer.Option(False, "--no-log-prefix", help="No name prefix on output."),
    timestamps: bool = typer.Option(False, "--timestamps", help="Show timestamps."),
    parallel: Optional[int] = typer.Option(None, "--parallel", help="Most services worked on at once."),
    quiet_pull: bool = typer.Option(False, "--quiet-pull", help="No pull progress."),
) -> None:
    """Create and start the project's containers."""
    from compose.options import AttachOptions, UpOptions

    if force_recreate and no_recreate:
        raise typer.BadParameter("--force-recreate and --no-recreate are incompatible")
    if build and no_build:
        raise typer.BadParameter("--build and --no-build are incompatible")
    if (detach or wait) and (abort_on_container_exit or abort_on_container_failure or exit_code_from):
        raise typer.BadParameter("--abort-on-container-exit/--exit-code-from cannot be combined with -d/--wait")
    if pull not in ("always", "missing", "never", "policy", "build"):
        raise typer.BadParameter("use always, missing, never or policy", param_hint="--pull")
    opts = UpOptions(
        services=_tuple(services), detach=detach or wait, wait=wait, wait_timeout=wait_timeout, no_deps=no_deps,
        no_start=no_start, force_recreate=force_recreate, no_recreate=no_recreate,
        always_recreate_deps=always_recreate_deps, remove_orphans=remove_orphans, scale=_scale(scale),
        timeout=timeout, renew_anon_volumes=renew_anon_volumes, pull=None if pull == "policy" else pull,
        build=build, no_build=no_build, parallel=parallel or _gopts(ctx).parallel, quiet_pull=quiet_pull,
    )
    attach_opts = AttachOptions(
        attach=_tuple(attach), no_attach=_tuple(no_attach), no_color=no_color, no_log_prefix=no_log_prefix,
        timestamps=timestamps, abort_on_container_exit=abort_on_container_exit or bool(exit_code_from),
        abort_on_container_failure=abort_on_container_failure, exit_code_from=exit_code_from,
    )
    _up(ctx, opts, attach_opts)


def _up(ctx: typer.Context, opts: Any, attach_opts: Any) -> None:
    from datetime import datetime, timezone

    from compose import service

    console = _con(ctx, attach_opts.no_color)
    loaded = service.load(_gopts(ctx), opts.services)
    rt = _runtime()
    began = datetime.now(timezone.utc)  # attached output starts here: containers kept running do not replay

    def emit(event: Any) -> None:
        if not (opts.quiet_pull and event.kind == "image" and not event.error):
            console.event(event)

    progress = None if opts.quiet_pull else console.build_event
    result = service.up(rt, loaded, opts, emit, dry_run=_gopts(ctx).dry_run, build_progress=progress)
    for warning in result.warnings:
        console.warning(warning)
    if _gopts(ctx).dry_run:
        console.write(result.plan.text())
        return
    if opts.detach or opts.no_start:
        return
    raise typer.Exit(_attached(rt, loaded.name, result.services, opts, attach_opts, console, began))


def _attached(rt: Any, name: str, services: tuple[str, ...], opts: Any, a: Any, console: Any, since: Any) -> int:
    """Follow the output of the attached services until they all exit, an abort condition, or Ctrl-C."""
    import threading

    from compose import service
    from compose.attach import Exited, Logs, prefix_of
    from compose.options import LogsOptions

    chosen = a.attach or (opts.services or services)
    watched = tuple(s for s in chosen if s not in a.no_attach)
    logs = Logs(rt, name, LogsOptions(services=watched, since=since))
    targets = logs.targets()
    console.set_prefix_width(prefix_of(c) for c in targets)
    console.notice("Attaching to " + ", ".join(c.name for c in targets))
    stop, code, abort = threading.Event(), 0, False
    _interrupt_on_sigterm()
    try:
        for item in logs.follow(stop, report_exits=True, end_when_all_exited=True):
            if isinstance(item, Exited):
                console.exited(item, prefix=not a.no_log_prefix)
                if a.exit_code_from is None or item.service == a.exit_code_from:
                    code = item.code if a.exit_code_from or item.code else code
                if a.abort_on_container_exit or (a.abort_on_container_failure and item.code):
                    abort = True
                    break
            else:
                console.log_line(item, prefix=not a.no_log_prefix, timestamps=a.timestamps)
    except KeyboardInterrupt:
        stop.set()
        console.notice("Gracefully stopping... (press Ctrl+C again to force)")
        try:
            service.stop(rt, name, services, opts.timeout, console.event)
        except KeyboardInterrupt:
            service.kill(rt, name, services, "SIGKILL", console.event)
        return 130
    stop.set()
    if abort:
        console.notice("Aborting on container exit...")
        service.stop(rt, name, services, opts.timeout, console.event)
    return code


def _interrupt_on_sigterm() -> None:
    """SIGTERM to an attached ``up`` stops the project gracefully, like Ctrl-C (as docker compose does)."""
    import signal

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background by a shell
        signal.signal(signal.SIGINT, signal.default_int_handler)


@app.command()
def create(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    force_recreate: bool = typer.Option(False, "--force-recreate"),
    no_recreate: bool = typer.Option(False, "--no-recreate"),
    remove_orphans: bool = typer.Option(False, "--remove-orphans"),
    scale: Optional[List[str]] = typer.Option(None, "--scale", help="SERVICE=NUM replicas."),
    pull: str = typer.Option("policy", "--pull", help="always, missing, never or policy."),
    build: bool = typer.Option(False, "--build", help="Build images before creating containers."),
    no_build: bool = typer.Option(False, "--no-build", help="Do not build missing images."),
) -> None:
    """Create the project's containers without starting them."""
    from compose.options import AttachOptions, UpOptions

    opts = UpOptions(services=_tuple(services), no_start=True, detach=True, force_recreate=force_recreate,
                     no_recreate=no_recreate, remove_orphans=remove_orphans, scale=_scale(scale),
                     pull=None if pull == "policy" else pull, build=build, no_build=no_build)
    _up(ctx, opts, AttachOptions())


@app.command()
def scale(
    ctx: typer.Context,
    replicas: List[str] = typer.Argument(..., metavar="SERVICE=REPLICAS...", help="Services and their counts."),
    no_deps: bool = typer.Option(False, "--no-deps", help="Do not start linked services."),
) -> None:
    """Scale services: as up -d --scale for them, which starts what they depend on and recreates nothing else."""
    from compose.options import AttachOptions, UpOptions

    counts = _scale(replicas, hint="SERVICE=REPLICAS")
    opts = UpOptions(services=tuple(dict.fromkeys(n for n, _ in counts)), detach=True, no_deps=no_deps,
                     scale=counts)
    _up(ctx, opts, AttachOptions())


@app.command()
def watch(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    no_up: bool = typer.Option(False, "--no-up", help="Do not bring the services up first."),
    quiet: bool = typer.Option(False, "--quiet", help="Do not say what is synced, restarted or rebuilt."),
) -> None:
    """Watch the services' develop.watch paths: sync, restart or rebuild them as files change (Ctrl-C ends it)."""
    import threading

    from compose import develop, service
    from compose.errors import ComposeError
    from compose.options import AttachOptions, UpOptions

    console = _con(ctx)
    loaded = service.load(_gopts(ctx), _tuple(services))
    rules = develop.rules_of(loaded.project, _tuple(services))
    if not rules:
        raise ComposeError("none of the selected services is configured for watch",
                           hint="add a develop: watch: section to a service (see the Compose develop spec)")
    if not no_up:
        _up(ctx, UpOptions(services=_tuple(services), detach=True), AttachOptions())
    rt = _runtime()

    def rebuild(name: str) -> None:
        service.up(rt, loaded, UpOptions(services=(name,), detach=True, build=True, no_deps=True), console.event)

    watcher = develop.Watcher(rt, loaded.name, rules, rebuild, (lambda _text: None) if quiet else console.notice)
    watcher.start()
    console.notice(f"Watch enabled for {', '.join(sorted({r.service for r in rules}))}")
    try:
        watcher.run(threading.Event())
    except KeyboardInterrupt:
        console.notice("Watch stopped")


@app.command()
def down(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    volumes: bool = typer.Option(False, "-v", "--volumes", help="Also remove named and anonymous volumes."),
    rmi: Optional[str] = typer.Option(None, "--rmi", help="Remove images: local or all."),
    remove_orphans: bool = typer.Option(False, "--remove-orphans", help="Remove containers of undefined services."),
    timeout: Optional[float] = TIMEOUT,
    all_profiles: bool = typer.Option(False, "--all", help="Also services of inactive profiles."),
) -> None:
    """Stop and remove containers, networks (and with -v volumes, with --rmi images)."""
    from compose.cli import session
    from compose.options import DownOptions

    if rmi not in (None, "local", "all"):
        raise typer.BadParameter("use local or all", param_hint="--rmi")
    gopts = _gopts(ctx)
    opts = DownOptions(volumes, rmi, remove_orphans, timeout, _tuple(services), gopts.parallel)
    session.take_down(gopts, opts, all_profiles)


