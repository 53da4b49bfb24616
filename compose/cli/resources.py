"""``dockyard network ...`` and ``dockyard volume ...``: the runtime's networks and volumes, with no compose file."""

from __future__ import annotations

from typing import List, Optional

import typer

from compose.cli.base import _check_format, _con, _runtime, _tuple, sub_app

network_app = sub_app("network", "Manage networks (dockyard's bridges).")
volume_app = sub_app("volume", "Manage volumes.")
REFS = typer.Argument(..., metavar="NAME...")


@network_app.command("ls")
def network_ls(ctx: typer.Context, quiet: bool = typer.Option(False, "-q", "--quiet", help="Only IDs."),
               format: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """List networks."""
    from compose import resources as R

    _check_format(format, ("table", "json"))
    infos = sorted(_runtime().networks(), key=lambda n: n.name)
    console = _con(ctx)
    if quiet:
        console.lines(n.id[:12] for n in infos)
    elif format == "json":
        console.json([R.network_json(n) for n in infos])
    else:
        console.table(R.NETWORK_HEADERS, [R.network_row(n) for n in infos])


@network_app.command("inspect")
def network_inspect(ctx: typer.Context, names: List[str] = REFS) -> None:
    """Show networks' details as JSON."""
    import json

    from compose import resources as R
    from compose.errors import ComposeError

    known = {n.name: n for n in _runtime().networks()}
    missing = [n for n in names if n not in known]
    if missing:
        raise ComposeError(f"network inspect: no such network: {', '.join(missing)}",
                           hint="list them with `dockyard network ls`")
    _con(ctx).write(json.dumps([R.network_json(known[n]) for n in names], indent=4))


@network_app.command("rm")
def network_rm(ctx: typer.Context, names: List[str] = REFS) -> None:
    """Remove networks (refused while containers are attached)."""
    rt, console = _runtime(), _con(ctx)
    for name in names:
        rt.remove_network(name)
        console.write(name)


@network_app.command("prune")
def network_prune(ctx: typer.Context, force: bool = typer.Option(False, "-f", "--force", help="Do not ask.")) -> None:
    """Remove every network no container is attached to."""
    if not force and not typer.confirm("This will remove all networks not used by at least one container. "
                                       "Are you sure you want to continue?"):
        return
    gone = _runtime().prune_networks()
    if gone:
        _con(ctx).lines(["Deleted Networks:", *gone])


@volume_app.command("ls")
def volume_ls(ctx: typer.Context, quiet: bool = typer.Option(False, "-q", "--quiet", help="Only names."),
              format: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """List volumes."""
    from compose import resources as R

    _check_format(format, ("table", "json"))
    infos = sorted(_runtime().volumes(), key=lambda v: v.name)
    console = _con(ctx)
    if quiet:
        console.lines(v.name for v in infos)
    elif format == "json":
        console.json([R.volume_json(v) for v in infos])
    else:
        console.table(R.VOLUME_HEADERS, [(v.driver, v.name) for v in infos])


@volume_app.command("create")
def volume_create(ctx: typer.Context, name: Optional[str] = typer.Argument(None, metavar="[NAME]"),
                  label: Optional[List[str]] = typer.Option(None, "-l", "--label", help="KEY=VALUE.")) -> None:
    """Create a volume (a random name when none is given)."""
    import secrets

    from compose import resources as R
    from runtime import VolumeSpec

    info = _runtime().create_volume(VolumeSpec(name or secrets.token_hex(32), labels=R.parse_labels(_tuple(label))))
    _con(ctx).write(info.name)


@volume_app.command("inspect")
def volume_inspect(ctx: typer.Context, names: List[str] = REFS) -> None:
    """Show volumes' details as JSON."""
    import json

    from compose import resources as R
    from compose.errors import ComposeError

    known = {v.name: v for v in _runtime().volumes()}
    missing = [n for n in names if n not in known]
    if missing:
        raise ComposeError(f"volume inspect: no such volume: {', '.join(missing)}",
                           hint="list them with `dockyard volume ls`")
    _con(ctx).write(json.dumps([R.volume_json(known[n]) for n in names], indent=4))


@volume_app.command("rm")
def volume_rm(ctx: typer.Context, names: List[str] = REFS,
              force: bool = typer.Option(False, "-f", "--force", help="No error for missing volumes.")) -> None:
    """Remove volumes (refused while a container uses them)."""
    rt, console = _runtime(), _con(ctx)
    for name in names:
        rt.remove_volume(name, missing_ok=force)
        console.write(name)


@volume_app.command("prune")
def volume_prune(ctx: typer.Context, all: bool = typer.Option(False, "-a", "--all", help="Named ones too."),
                 force: bool = typer.Option(False, "-f", "--force", help="Do not ask.")) -> None:
    """Remove unused anonymous volumes (every unused volume with -a)."""
    from compose import resources as R

    if not force and not typer.confirm("This will remove unused volumes. Are you sure you want to continue?"):
        return
    gone = _runtime().prune_volumes(labels=R.prune_volume_labels(all))
    if gone:
        _con(ctx).lines(["Deleted Volumes:", *gone])
