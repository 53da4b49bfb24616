"""The `dockyard` command: one small function per verb (flags -> *Options -> compose.service -> console).

The only typer importer and the only place that exits. Heavy modules are imported inside the verbs so that
`dockyard --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
from typer.core import TyperGroup

from compose.options import ConfigOptions, GlobalOptions

VERSION = "0.1.0"


class _Group(TyperGroup):
    """Turns dockyard's own errors into one line on stderr and exit code 1 (or the error's ``exit_code``)."""

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from compose.errors import ComposeError

            from runtime import ContainerRuntimeError

            if not isinstance(exc, (ComposeError, ContainerRuntimeError)):
                raise
            from compose.console import Console

            Console(ansi=getattr(ctx.obj, "ansi", "auto")).error(str(exc))
            raise typer.Exit(getattr(exc, "exit_code", 1)) from None


# ---- the runtime, built lazily in one place (tests replace the factory) -----------------------------------------
_runtime_factory: Callable[[], Any] | None = None


def set_runtime_factory(factory: Callable[[], Any] | None) -> None:
    """Use ``factory()`` instead of ``runtime.Runtime()`` (tests pass an in-memory fake)."""
    global _runtime_factory
    _runtime_factory = factory


def _runtime() -> Any:
    if _runtime_factory is not None:
        return _runtime_factory()
    from runtime import Runtime

    return Runtime()


app = typer.Typer(
    cls=_Group,
    name="dockyard",
    help="Run Compose stacks with no daemon: dockyard's own runtime, DNS, healthchecks and restarts.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dockyard version {VERSION}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    file: Optional[List[str]] = typer.Option(None, "-f", "--file", help="Compose configuration files ('-' for stdin)."),
    project_name: Optional[str] = typer.Option(None, "-p", "--project-name", help="Project name."),
    project_directory: Optional[Path] = typer.Option(None, "--project-directory", help="Alternate working directory."),
    env_file: Optional[List[str]] = typer.Option(None, "--env-file", help="Alternate environment files."),
    profile: Optional[List[str]] = typer.Option(None, "--profile", help="Profiles to enable."),
    ansi: str = typer.Option("auto", "--ansi", help="Control characters: never, always, auto."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be done, change nothing."),
    parallel: int = typer.Option(-1, "--parallel", envvar="COMPOSE_PARALLEL_LIMIT",
                                 help="Most services worked on at once (-1: no limit)."),
    version: bool = typer.Option(False, "-v", "--version", callback=_version, is_eager=True, help="Print version."),
) -> None:
    ctx.obj = GlobalOptions(
        files=tuple(file or ()),
        project_name=project_name,
        project_directory=project_directory,
        env_files=tuple(env_file or ()),
        profiles=tuple(profile or ()),
        ansi=ansi,
        dry_run=dry_run,
        parallel=parallel if parallel > 0 else None,
    )


def _console(ctx: typer.Context):
    from compose.console import Console

    return Console(ansi=ctx.obj.ansi if ctx.obj else "auto")


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
) -> None:
    """Validate the compose files and print the project in canonical form."""
    from compose import service

    if format not in ("yaml", "json"):
        raise typer.BadParameter("use yaml or json", param_hint="--format")
    opts = ConfigOptions(
        format=format, quiet=quiet, services=services, volumes=volumes, networks=networks, images=images,
        profiles=profiles, hash=hash, interpolate=not no_interpolate, normalize=not no_normalize, output=output,
        selected=tuple(services_args or ()),
    )
    stdin = sys.stdin.read() if "-" in ctx.obj.files else None
    result = service.config(ctx.obj, opts, stdin=stdin)
    console = _console(ctx)
    for warning in result.warnings:
        console.warning(warning)
    if output is not None:
        output.write_text(result.text)
    elif result.text:
        console.write(result.text)


# ================================================================================================ helpers
def _gopts(ctx: typer.Context) -> GlobalOptions:
    return ctx.obj if isinstance(ctx.obj, GlobalOptions) else GlobalOptions()


def _name(ctx: typer.Context) -> str:
    from compose import service

    return service.project_name(_gopts(ctx))


def _con(ctx: typer.Context, no_color: bool = False):
    from compose.console import Console

    return Console(ansi=_gopts(ctx).ansi, no_color=no_color)


def _tuple(values: Optional[List[str]]) -> tuple[str, ...]:
    return tuple(values or ())


def _scale(values: Optional[List[str]]) -> tuple[tuple[str, int], ...]:
    out = []
    for item in values or ():
        name, sep, count = item.partition("=")
        if not sep or not count.isdigit():
            raise typer.BadParameter(f"{item!r}: use SERVICE=NUM", param_hint="--scale")
        out.append((name, int(count)))
    return tuple(out)


def _check_format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"use {' or '.join(allowed)}", param_hint="--format")
    return value


SERVICES = typer.Argument(None, metavar="[SERVICE...]")
TIMEOUT = typer.Option(None, "-t", "--timeout", help="Seconds to wait for a stop before killing.")


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
    build: bool = typer.Option(False, "--build", help="Build images first (not available yet)."),
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
    from compose import service

    from datetime import datetime, timezone

    console = _con(ctx, attach_opts.no_color)
    loaded = service.load(_gopts(ctx), opts.services)
    rt = _runtime()
    began = datetime.now(timezone.utc)  # attached output starts here: containers kept running do not replay

    def emit(event: Any) -> None:
        if not (opts.quiet_pull and event.kind == "image" and not event.error):
            console.event(event)

    result = service.up(rt, loaded, opts, emit, dry_run=_gopts(ctx).dry_run)
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
    build: bool = typer.Option(False, "--build", help="Build images first (not available yet)."),
    no_build: bool = typer.Option(False, "--no-build"),
) -> None:
    """Create the project's containers without starting them."""
    from compose.options import AttachOptions, UpOptions

    opts = UpOptions(services=_tuple(services), no_start=True, detach=True, force_recreate=force_recreate,
                     no_recreate=no_recreate, remove_orphans=remove_orphans, scale=_scale(scale),
                     pull=None if pull == "policy" else pull, build=build, no_build=no_build)
    _up(ctx, opts, AttachOptions())


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
    from compose import service
    from compose.options import DownOptions

    if rmi not in (None, "local", "all"):
        raise typer.BadParameter("use local or all", param_hint="--rmi")
    gopts = _gopts(ctx)
    loaded = service.optional_project(gopts, all_profiles=all_profiles)
    name = loaded.name if loaded is not None else gopts.project_name
    project = loaded.project if loaded is not None else None
    console = _con(ctx)
    opts = DownOptions(volumes, rmi, remove_orphans, timeout, _tuple(services), gopts.parallel)
    plan = service.down(_runtime(), name, project, opts, console.event, dry_run=gopts.dry_run)
    if gopts.dry_run:
        console.write(plan.text())
    elif not plan.actions:
        console.warning(f"No resource found to remove for project {name!r}.")


# ================================================================================================ container verbs
def _simple(ctx: typer.Context, verb: str, services: Optional[List[str]], **kwargs: Any) -> int:
    from compose import service

    console = _con(ctx)
    return getattr(service, verb)(_runtime(), _name(ctx), _tuple(services), emit=console.event, **kwargs)


@app.command()
def start(ctx: typer.Context, services: Optional[List[str]] = SERVICES) -> None:
    """Start existing containers."""
    _simple(ctx, "start", services)


@app.command()
def stop(ctx: typer.Context, services: Optional[List[str]] = SERVICES, timeout: Optional[float] = TIMEOUT) -> None:
    """Stop running containers (dependents first)."""
    _simple(ctx, "stop", services, timeout=timeout)


@app.command()
def restart(ctx: typer.Context, services: Optional[List[str]] = SERVICES, timeout: Optional[float] = TIMEOUT) -> None:
    """Restart containers."""
    _simple(ctx, "restart", services, timeout=timeout)


@app.command()
def kill(ctx: typer.Context, services: Optional[List[str]] = SERVICES,
         signal: str = typer.Option("SIGKILL", "-s", "--signal", help="Signal to send.")) -> None:
    """Send a signal to running containers."""
    _simple(ctx, "kill", services, sig=signal)


@app.command()
def pause(ctx: typer.Context, services: Optional[List[str]] = SERVICES) -> None:
    """Pause running containers (freezer cgroup)."""
    _simple(ctx, "pause", services)


@app.command()
def unpause(ctx: typer.Context, services: Optional[List[str]] = SERVICES) -> None:
    """Unpause paused containers."""
    _simple(ctx, "unpause", services)


@app.command()
def rm(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    force: bool = typer.Option(False, "-f", "--force", help="Do not ask for confirmation."),
    stop_first: bool = typer.Option(False, "-s", "--stop", help="Stop the containers first."),
    volumes: bool = typer.Option(False, "-v", "--volumes", help="Remove their anonymous volumes."),
) -> None:
    """Remove stopped containers."""
    from compose import service

    rt, name, console = _runtime(), _name(ctx), _con(ctx)
    infos = service.removable(rt, name, _tuple(services), stop_first=stop_first)
    if not infos:
        console.notice("No stopped containers")
        return
    if not force and not typer.confirm(f"Going to remove {', '.join(c.name for c in infos)}\nAre you sure?"):
        return
    service.rm(rt, name, infos, stop_first=stop_first, volumes=volumes, emit=console.event)


# ================================================================================================ queries
@app.command()
def ps(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    all: bool = typer.Option(False, "-a", "--all", help="Show stopped containers too."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only IDs."),
    list_services: bool = typer.Option(False, "--services", help="Only service names."),
    status: Optional[List[str]] = typer.Option(None, "--status", help="Filter by state."),
    filter: Optional[List[str]] = typer.Option(None, "--filter", help="status=<state>."),
    format: str = typer.Option("table", "--format", help="table, json or jsonl."),
) -> None:
    """List the project's containers."""
    from compose import queries
    from compose import status as st
    from compose.options import PsOptions

    _check_format(format, ("table", "json", "jsonl"))
    opts = PsOptions(_tuple(services), all, quiet, list_services, _tuple(status), _tuple(filter), format)
    infos = queries.ps(_runtime(), _name(ctx), opts)
    console = _con(ctx)
    now = queries.now()
    if quiet:
        console.lines(c.id for c in infos)
    elif list_services:
        console.lines(dict.fromkeys(st.service_of(c) for c in infos))
    elif format == "table":
        console.table(st.TABLE_HEADERS, [st.table_row(c, now) for c in infos])
    else:
        console.json([st.ps_row(c, now) for c in infos], lines=format == "jsonl")


@app.command()
def logs(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    follow: bool = typer.Option(False, "-f", "--follow", help="Follow output."),
    tail: str = typer.Option("all", "-n", "--tail", help="Lines from the end of each container's log."),
    timestamps: bool = typer.Option(False, "-t", "--timestamps", help="Show timestamps."),
    since: Optional[str] = typer.Option(None, "--since", help="Since a timestamp or relative (42m)."),
    until: Optional[str] = typer.Option(None, "--until", help="Until a timestamp or relative."),
    no_color: bool = typer.Option(False, "--no-color", help="Monochrome output."),
    no_log_prefix: bool = typer.Option(False, "--no-log-prefix", help="No name prefix."),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number of the service."),
) -> None:
    """Show container output, merged in time order."""
    import threading

    from compose.attach import Logs, prefix_of
    from compose.options import LogsOptions

    if tail != "all" and not tail.isdigit():
        raise typer.BadParameter("a number or all", param_hint="--tail")
    from compose.attach import parse_since

    opts = LogsOptions(_tuple(services), follow, None if tail == "all" else int(tail), timestamps,
                       parse_since(since), parse_since(until), no_color, no_log_prefix, index)
    console = _con(ctx, no_color)
    source = Logs(_runtime(), _name(ctx), opts)
    console.set_prefix_width(prefix_of(c) for c in source.targets())
    if not follow:
        for line in source.snapshot():
            console.log_line(line, prefix=not no_log_prefix, timestamps=timestamps)
        return
    stop = threading.Event()
    try:
        for line in source.follow(stop):
            console.log_line(line, prefix=not no_log_prefix, timestamps=timestamps)
    except KeyboardInterrupt:
        stop.set()


@app.command("ls")
def ls_(
    ctx: typer.Context,
    all: bool = typer.Option(False, "-a", "--all", help="Stopped projects too."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only names."),
    format: str = typer.Option("table", "--format", help="table or json."),
    filter: Optional[str] = typer.Option(None, "--filter", help="name=<part>."),
) -> None:
    """List the projects dockyard runs."""
    from compose import queries

    _check_format(format, ("table", "json"))
    name = filter.partition("=")[2] if filter else None
    projects = queries.ls(_runtime(), all=all, filter_name=name)
    console = _con(ctx)
    if quiet:
        console.lines(p.name for p in projects)
    elif format == "json":
        console.json([p.row() for p in projects])
    else:
        console.table(("NAME", "STATUS", "CONFIG FILES"), [(p.name, p.status, p.config_files) for p in projects])


@app.command()
def port(
    ctx: typer.Context,
    service_name: str = typer.Argument(..., metavar="SERVICE"),
    private_port: int = typer.Argument(..., metavar="PRIVATE_PORT"),
    protocol: str = typer.Option("tcp", "--protocol", help="tcp or udp."),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number."),
) -> None:
    """Print the public address of a port."""
    from compose import queries

    _con(ctx).write(queries.port(_runtime(), _name(ctx), service_name, private_port, protocol, index))


@app.command()
def top(ctx: typer.Context, services: Optional[List[str]] = SERVICES) -> None:
    """Show the processes of running containers."""
    from compose import queries

    console = _con(ctx)
    for name, procs in queries.top(_runtime(), _name(ctx), _tuple(services)):
        console.write(name)
        headers = list(procs[0]) if procs else ["PID", "CMD"]
        console.table(headers, [[str(p.get(h, "")) for h in headers] for p in procs])


@app.command()
def wait(ctx: typer.Context, services: Optional[List[str]] = SERVICES,
         down_project: bool = typer.Option(False, "--down-project", help="Tear down when one exits.")) -> None:
    """Block until containers stop; exit with the first one's code."""
    from compose import queries, service
    from compose.options import DownOptions

    rt, name = _runtime(), _name(ctx)
    code = queries.wait(rt, name, _tuple(services))
    _con(ctx).write(str(code))
    if down_project:
        service.down(rt, name, None, DownOptions(), _con(ctx).event)
    raise typer.Exit(code)


@app.command()
def images(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only IDs."),
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """List the images the project's containers use."""
    from compose import queries

    _check_format(format, ("table", "json"))
    rows = queries.images(_runtime(), _name(ctx), _tuple(services))
    console = _con(ctx)
    if quiet:
        console.lines(dict.fromkeys(r["ID"] for r in rows))
    elif format == "json":
        console.json(rows)
    else:
        console.table(("CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"),
                      [(r["ContainerName"], r["Repository"], r["Tag"], _short(r["ID"]), _size(r["Size"])) for r in rows])


def _short(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.3g}{unit}" if unit != "B" else f"{size}B"
        size /= 1000  # type: ignore[assignment]
    return f"{size}B"


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


@app.command("exec", context_settings={"allow_interspersed_args": False})
def exec_(
    ctx: typer.Context,
    service_name: str = typer.Argument(..., metavar="SERVICE"),
    command: List[str] = typer.Argument(..., metavar="COMMAND [ARGS...]"),
    detach: bool = typer.Option(False, "-d", "--detach"),
    env: Optional[List[str]] = typer.Option(None, "-e", "--env", help="KEY=VALUE."),
    user: Optional[str] = typer.Option(None, "-u", "--user"),
    workdir: Optional[str] = typer.Option(None, "-w", "--workdir"),
    no_tty: bool = typer.Option(False, "-T", "--no-TTY", help="No pseudo-TTY."),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number."),
) -> None:
    """Run a command in a running service container."""
    from compose.queries import _one

    rt = _runtime()
    info = _one(rt, _name(ctx), service_name, index)
    tty = not no_tty and sys.stdin.isatty() and sys.stdout.isatty()
    import os

    from compose.engine import exec_env

    code = rt.exec(info.id, list(command), user=user, workdir=workdir, env=exec_env(_tuple(env), dict(os.environ)),
                   tty=tty, interactive=not detach)
    raise typer.Exit(code)


@app.command()
def events(ctx: typer.Context, services: Optional[List[str]] = SERVICES,
           json_out: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
    """Stream container events of the project (until Ctrl-C)."""
    import threading

    from compose import watch

    console, stop = _con(ctx), threading.Event()
    try:
        for event in watch.events(_runtime(), _name(ctx), _tuple(services), stop=stop):
            console.write(_json_line(event) if json_out else watch.text(event))
    except KeyboardInterrupt:
        stop.set()


@app.command("run", context_settings={"allow_interspersed_args": False})
def run_(
    ctx: typer.Context,
    service_name: str = typer.Argument(..., metavar="SERVICE"),
    command: Optional[List[str]] = typer.Argument(None, metavar="[COMMAND [ARGS...]]"),
    remove: bool = typer.Option(False, "--rm", help="Remove the container when it exits."),
    detach: bool = typer.Option(False, "-d", "--detach", help="Run in the background; print the id."),
    env: Optional[List[str]] = typer.Option(None, "-e", "--env", help="KEY=VALUE."),
    volume: Optional[List[str]] = typer.Option(None, "-v", "--volume", help="Bind or volume mounts."),
    publish: Optional[List[str]] = typer.Option(None, "-p", "--publish", help="Publish a port."),
    service_ports: bool = typer.Option(False, "--service-ports", help="Publish the service's ports."),
    entrypoint: Optional[str] = typer.Option(None, "--entrypoint", help="Override the entrypoint."),
    name: Optional[str] = typer.Option(None, "--name", help="Container name."),
    user: Optional[str] = typer.Option(None, "-u", "--user"),
    workdir: Optional[str] = typer.Option(None, "-w", "--workdir"),
    label: Optional[List[str]] = typer.Option(None, "-l", "--label"),
    no_tty: bool = typer.Option(False, "-T", "--no-TTY", help="No pseudo-TTY."),
    no_deps: bool = typer.Option(False, "--no-deps", help="Do not start dependencies."),
) -> None:
    """Run a one-off command in a new container of a service."""
    import os
    import threading

    from compose import oneoff, service

    console = _con(ctx)
    loaded = service.load(_gopts(ctx), (service_name,))
    opts = oneoff.RunServiceOptions(
        service_name, _tuple(command), remove, detach, _tuple(env), _tuple(volume), _tuple(publish), service_ports,
        entrypoint, name, user, workdir, _tuple(label), no_deps, tty=not no_tty and sys.stdin.isatty(),
    )
    rt = _runtime()
    info = oneoff.run(rt, loaded, opts, console.event, dict(os.environ))
    if detach:
        console.write(info.name)
        return
    stop = threading.Event()
    try:
        for line in rt.logs([info.id], follow=True, stop=stop):
            console.write(line.text)
        code = rt.wait_container(info.id)
    except KeyboardInterrupt:
        stop.set()
        rt.stop_container(info.id)
        code = 130
    if remove:
        rt.remove_container(info.id, force=True, volumes=True)
    raise typer.Exit(code)


# ================================================================================================ image ...
image_app = typer.Typer(cls=_Group, help="Manage images (dockyard's local store).", no_args_is_help=True,
                        add_completion=False, rich_markup_mode=None)
app.add_typer(image_app, name="image")


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


# ================================================================================================ container ...
container_app = typer.Typer(cls=_Group, help="Manage single containers.", no_args_is_help=True,
                            add_completion=False, rich_markup_mode=None)
app.add_typer(container_app, name="container")


@container_app.command("run", context_settings={"allow_interspersed_args": False})
def container_run(
    ctx: typer.Context,
    image: str = typer.Argument(...),
    command: Optional[List[str]] = typer.Argument(None, metavar="[COMMAND [ARG...]]"),
    name: Optional[str] = typer.Option(None, "--name"),
    detach: bool = typer.Option(False, "-d", "--detach"),
    remove: bool = typer.Option(False, "--rm", help="Remove when it exits."),
    env: Optional[List[str]] = typer.Option(None, "-e", "--env"),
    publish: Optional[List[str]] = typer.Option(None, "-p", "--publish"),
    volume: Optional[List[str]] = typer.Option(None, "-v", "--volume"),
    entrypoint: Optional[str] = typer.Option(None, "--entrypoint"),
    user: Optional[str] = typer.Option(None, "-u", "--user"),
    workdir: Optional[str] = typer.Option(None, "-w", "--workdir"),
    label: Optional[List[str]] = typer.Option(None, "-l", "--label"),
    network: Optional[str] = typer.Option(None, "--network"),
    tty: bool = typer.Option(False, "-t", "--tty"),
    interactive: bool = typer.Option(False, "-i", "--interactive"),
    restart: str = typer.Option("no", "--restart"),
    hostname: Optional[str] = typer.Option(None, "-h", "--hostname"),
) -> None:
    """Create and start one container from an image."""
    import os

    from compose import engine

    opts = engine.RunOptions(image, _tuple(command), name, detach, remove, _tuple(env), _tuple(publish),
                             _tuple(volume), entrypoint, user, workdir, _tuple(label), network, tty, interactive,
                             restart, hostname)
    rt, console = _runtime(), _con(ctx)
    if not rt.has_image(image):
        with console.transfer(False) as bars:
            rt.pull_image(image, progress=bars.update)
    spec = engine.run_spec(opts, dict(os.environ))
    code = rt.run(spec, attach=not detach, remove=remove and not detach)
    if detach:
        console.write(rt.inspect_container(spec.name)["Id"])
        return
    raise typer.Exit(code)


@container_app.command("ls")
def container_ls(ctx: typer.Context, all: bool = typer.Option(False, "-a", "--all"),
                 quiet: bool = typer.Option(False, "-q", "--quiet"),
                 format: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """List containers (running ones unless -a)."""
    from compose import engine, queries

    _check_format(format, ("table", "json"))
    infos = _runtime().containers(labels=None, all=all)
    console, now = _con(ctx), queries.now()
    if quiet:
        console.lines(c.id[:12] for c in infos)
    elif format == "json":
        console.lines(_json_line(engine.container_json(c, now)) for c in infos)
    else:
        console.table(engine.CONTAINER_HEADERS, [engine.container_row(c, now) for c in infos])


def _json_line(data: Any) -> str:
    import json

    return json.dumps(data, separators=(",", ":"))


def _each_ref(ctx: typer.Context, refs: List[str], fn: Callable[[Any, str], Any]) -> None:
    rt, console = _runtime(), _con(ctx)
    for ref in refs:
        fn(rt, ref)
        console.write(ref)


@container_app.command("stop")
def container_stop(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="CONTAINER..."),
                   timeout: Optional[float] = TIMEOUT) -> None:
    """Stop containers."""
    _each_ref(ctx, refs, lambda rt, ref: rt.stop_container(ref, timeout=timeout))


@container_app.command("kill")
def container_kill(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="CONTAINER..."),
                   signal: str = typer.Option("SIGKILL", "-s", "--signal")) -> None:
    """Send a signal to containers."""
    from compose.service import parse_signal

    number = parse_signal(signal)
    _each_ref(ctx, refs, lambda rt, ref: rt.kill_container(ref, number))


@container_app.command("rm")
def container_rm(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="CONTAINER..."),
                 force: bool = typer.Option(False, "-f", "--force"),
                 volumes: bool = typer.Option(False, "-v", "--volumes")) -> None:
    """Remove containers."""
    _each_ref(ctx, refs, lambda rt, ref: rt.remove_container(ref, force=force, volumes=volumes))


@container_app.command("inspect")
def container_inspect(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="CONTAINER...")) -> None:
    """Show containers' details as JSON."""
    import json

    rt = _runtime()
    _con(ctx).write(json.dumps([rt.inspect_container(ref) for ref in refs], indent=4))


@container_app.command("exec", context_settings={"allow_interspersed_args": False})
def container_exec(ctx: typer.Context, ref: str = typer.Argument(..., metavar="CONTAINER"),
                   command: List[str] = typer.Argument(..., metavar="COMMAND [ARG...]"),
                   env: Optional[List[str]] = typer.Option(None, "-e", "--env"),
                   user: Optional[str] = typer.Option(None, "-u", "--user"),
                   workdir: Optional[str] = typer.Option(None, "-w", "--workdir"),
                   tty: bool = typer.Option(False, "-t", "--tty"),
                   interactive: bool = typer.Option(False, "-i", "--interactive")) -> None:
    """Run a command in a running container."""
    from compose import engine

    import os

    code = _runtime().exec(ref, list(command), user=user, workdir=workdir,
                           env=engine.exec_env(_tuple(env), dict(os.environ)), tty=tty, interactive=interactive)
    raise typer.Exit(code)


@container_app.command("logs")
def container_logs(ctx: typer.Context, ref: str = typer.Argument(..., metavar="CONTAINER"),
                   follow: bool = typer.Option(False, "-f", "--follow"),
                   tail: str = typer.Option("all", "-n", "--tail"),
                   timestamps: bool = typer.Option(False, "-t", "--timestamps"),
                   since: Optional[str] = typer.Option(None, "--since"),
                   until: Optional[str] = typer.Option(None, "--until")) -> None:
    """Show one container's output."""
    import threading

    if tail != "all" and not tail.isdigit():
        raise typer.BadParameter("a number or all", param_hint="--tail")
    console, stop = _con(ctx), threading.Event()
    try:
        for line in _runtime().logs([ref], follow=follow, tail=None if tail == "all" else int(tail), since=since,
                                    until=until, stop=stop):
            console.write(f"{line.time} {line.text}" if timestamps else line.text)
    except KeyboardInterrupt:
        stop.set()


def main() -> None:
    """Console entry point: runs the app and turns dockyard's errors into one line and an exit code."""
    from compose.errors import ComposeError

    from runtime import ContainerRuntimeError
    try:
        app()
    except (ComposeError, ContainerRuntimeError) as exc:
        from compose.console import Console

        Console().error(str(exc))
        sys.exit(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
