"""Container verbs on a project's services: start, stop, restart, kill, pause, unpause, rm, run, exec."""

from __future__ import annotations

import sys
from typing import Any, List, Optional

import typer

from compose.cli.base import (
    SERVICES,
    TIMEOUT,
    _con,
    _gopts,
    _name,
    _runtime,
    _tuple,
    app,
)


# ================================================================================================ container verbs
def _simple(ctx: typer.Context, verb: str, services: Optional[List[str]], **kwargs: Any) -> int:
    from compose import service

    console = _con(ctx)
    return getattr(service, verb)(_runtime(), _name(ctx), _tuple(services), emit=console.event, **kwargs)


@app.command()
def start(ctx: typer.Context, services: Optional[List[str]] = SERVICES,
          wait_timeout: Optional[float] = typer.Option(None, "--wait-timeout",
                                                       help="Most seconds to wait for each dependency.")) -> None:
    """Start existing containers (after their depends_on conditions hold, as up does)."""
    _simple(ctx, "start", services, wait_timeout=wait_timeout)


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
    interactive: bool = typer.Option(True, "-i", "--interactive/--no-interactive", help="Keep stdin attached."),
    no_deps: bool = typer.Option(False, "--no-deps", help="Do not start dependencies."),
    build: bool = typer.Option(False, "--build", help="Build the image before starting the container."),
) -> None:
    """Run a one-off command in a new container of a service."""
    import os

    from compose import oneoff, service

    console = _con(ctx)
    loaded = service.load(_gopts(ctx), (service_name,))
    opts = oneoff.RunServiceOptions(
        service_name, _tuple(command), remove, detach, _tuple(env), _tuple(volume), _tuple(publish), service_ports,
        entrypoint, name, user, workdir, _tuple(label), no_deps, tty=not no_tty and sys.stdin.isatty(), build=build,
        interactive=interactive,
    )
    rt = _runtime()
    info = oneoff.run(rt, loaded, opts, console.event, dict(os.environ), build_progress=console.build_event,
                      start=detach)
    if detach:
        console.write(info.name)
        return
    raise typer.Exit(rt.start_attached(info.id, remove=remove))  # stdin, stdout, stderr (a pty with a tty) are ours




@app.command()
def cp(
    ctx: typer.Context,
    src: str = typer.Argument(..., metavar="SERVICE:SRC_PATH|SRC_PATH"),
    dest: str = typer.Argument(..., metavar="SERVICE:DEST_PATH|DEST_PATH|-"),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number of the service."),
) -> None:
    """Copy files between a service container (running or stopped) and the host."""
    from compose import copy
    from compose.queries import _one

    rt, name = _runtime(), _name(ctx)
    line = copy.copy(rt, src, dest, lambda service: _one(rt, name, service, index).id, sys.stdout.buffer)
    _con(ctx).notice(line)


@app.command()
def commit(
    ctx: typer.Context,
    service: str = typer.Argument(..., metavar="SERVICE"),
    reference: Optional[str] = typer.Argument(None, metavar="[REPOSITORY[:TAG]]"),
    author: str = typer.Option("", "-a", "--author", help='Author (e.g. "Jane <jane@example.com>").'),
    message: str = typer.Option("", "-m", "--message", help="Commit message."),
    pause: bool = typer.Option(True, "-p", "--pause/--no-pause", help="Freeze the container while committing."),
    change: Optional[List[str]] = typer.Option(None, "-c", "--change", help="Dockerfile instruction to apply."),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number of the service."),
) -> None:
    """Create a new image from a service container's changes (running or stopped); prints its id."""
    from compose.queries import _one

    rt, name = _runtime(), _name(ctx)
    info = rt.commit_container(_one(rt, name, service, index).id, reference, message=message, author=author,
                               pause=pause, changes=_tuple(change))
    _con(ctx).write(info.id)


@app.command()
def export(
    ctx: typer.Context,
    service: str = typer.Argument(..., metavar="SERVICE"),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Write to a file, not to stdout."),
    index: Optional[int] = typer.Option(None, "--index", help="Replica number of the service."),
) -> None:
    """Export a service container's filesystem (running or stopped) as a tar archive, without its mounts."""
    from compose import export as exporting
    from compose.queries import _one

    rt, name = _runtime(), _name(ctx)
    exporting.export(rt, _one(rt, name, service, index).id, output, sys.stdout.buffer)
