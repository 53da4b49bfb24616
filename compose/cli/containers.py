"""``dockyard container ...``: single containers, with no compose file."""

from __future__ import annotations

from typing import List, Optional

import typer

from compose.cli.base import (
    TIMEOUT,
    _check_format,
    _con,
    _each_ref,
    _gopts,
    _json_line,
    _runtime,
    _tuple,
    sub_app,
)

# ================================================================================================ container ...
container_app = sub_app("container", "Manage single containers.")


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
    cap_add: Optional[List[str]] = typer.Option(None, "--cap-add", help="Add a Linux capability."),
    cap_drop: Optional[List[str]] = typer.Option(None, "--cap-drop", help="Drop a Linux capability."),
    privileged: bool = typer.Option(False, "--privileged", help="All capabilities, all devices, no seccomp."),
    read_only: bool = typer.Option(False, "--read-only", help="Mount the root filesystem read-only."),
    memory: Optional[str] = typer.Option(None, "-m", "--memory", help="Memory limit, e.g. 512m."),
    cpus: Optional[float] = typer.Option(None, "--cpus", help="Number of CPUs, e.g. 1.5."),
    pids_limit: Optional[int] = typer.Option(None, "--pids-limit", help="Maximum number of processes."),
    init: bool = typer.Option(False, "--init", help="Run an init that forwards signals and reaps zombies."),
) -> None:
    """Create and start one container from an image."""
    from compose import engine
    from compose.cli.session import run_container

    opts = engine.RunOptions(image, _tuple(command), name, detach, remove, _tuple(env), _tuple(publish),
                             _tuple(volume), entrypoint, user, workdir, _tuple(label), network, tty, interactive,
                             restart, hostname, _tuple(cap_add), _tuple(cap_drop), privileged, read_only, memory,
                             cpus, pids_limit, init)
    code = run_container(_gopts(ctx), opts)
    if code:
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




@container_app.command("start")
def container_start(ctx: typer.Context, refs: List[str] = typer.Argument(..., metavar="CONTAINER...")) -> None:
    """Start stopped containers."""
    _each_ref(ctx, refs, lambda rt, ref: rt.start_container(ref))


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
    import os

    from compose import engine

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



@container_app.command("cp")
def container_cp(ctx: typer.Context, src: str = typer.Argument(..., metavar="CONTAINER:SRC_PATH|SRC_PATH"),
                 dest: str = typer.Argument(..., metavar="CONTAINER:DEST_PATH|DEST_PATH|-")) -> None:
    """Copy files between a container (running or stopped) and the host."""
    import sys

    from compose import copy

    _con(ctx).notice(copy.copy(_runtime(), src, dest, stdout=sys.stdout.buffer))


@container_app.command("stats")
def container_stats(ctx: typer.Context, refs: Optional[List[str]] = typer.Argument(None, metavar="[CONTAINER...]"),
                    format: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """One sample of CPU, memory and process counts of running containers (like docker stats --no-stream)."""
    from compose import stats as S

    _check_format(format, ("table", "json"))
    rt = _runtime()
    infos = [rt.container(r) for r in refs] if refs else rt.containers(all=False)
    rows = S.sample(rt, infos)
    console = _con(ctx)
    if format == "json":
        console.lines(_json_line(r) for r in rows)
    else:
        console.table(S.HEADERS, [S.table_row(r) for r in rows])
