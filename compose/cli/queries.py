"""Read-only project verbs: ps, logs, ls, port, top, wait, images, events."""

from __future__ import annotations

from typing import List, Optional

import typer

from compose.cli.base import (
    SERVICES,
    _check_format,
    _con,
    _gopts,
    _json_line,
    _name,
    _runtime,
    _short,
    _size,
    _tuple,
    app,
)


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
    format: str = typer.Option("table", "--format", help="table, json, jsonl or a Go template ({{.Name}})."),
) -> None:
    """List the project's containers."""
    from compose.cli.session import show_ps
    from compose.options import PsOptions

    if "{{" not in format:
        _check_format(format, ("table", "json", "jsonl"))
    show_ps(_gopts(ctx), PsOptions(_tuple(services), all, quiet, list_services, _tuple(status), _tuple(filter), format))


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




@app.command()
def stats(
    ctx: typer.Context,
    services: Optional[List[str]] = SERVICES,
    all: bool = typer.Option(False, "-a", "--all", help="Stopped containers too."),
    no_stream: bool = typer.Option(False, "--no-stream", help="One sample, then exit."),
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Show CPU, memory and process counts of the project's containers."""
    from compose import queries
    from compose import stats as S
    from compose.options import PsOptions

    _check_format(format, ("table", "json"))
    rt, name, console = _runtime(), _name(ctx), _con(ctx)
    try:
        while True:
            rows = S.sample(rt, queries.ps(rt, name, PsOptions(_tuple(services), all=all)))
            if format == "json":
                console.lines(_json_line(r) for r in rows)
            else:
                if not no_stream and console.out.isatty():
                    console.write("\x1b[2J\x1b[H")
                console.table(S.HEADERS, [S.table_row(r) for r in rows])
            if no_stream:
                return
    except KeyboardInterrupt:
        return
