"""The typer app, its error handling, and the small helpers every verb module shares (the runtime factory and
the project name live in ``compose.cli.session``, which needs no typer).

Verb modules register their commands on ``app`` (or a sub-app) when ``compose.cli`` imports them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, List, Optional

import typer
from typer.core import TyperGroup

from compose.cli.session import VERSION, set_runtime_factory
from compose.cli.session import runtime as _runtime

if TYPE_CHECKING:  # loaded by the callback: `dockyard --help` does not build the options dataclasses
    from compose.options import GlobalOptions

__all__ = ["VERSION", "app", "set_runtime_factory", "sub_app"]


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
    from compose.options import GlobalOptions

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


# ================================================================================================ helpers
def _gopts(ctx: typer.Context) -> GlobalOptions:
    from compose.options import GlobalOptions

    return ctx.obj if isinstance(ctx.obj, GlobalOptions) else GlobalOptions()


def _name(ctx: typer.Context) -> str:
    from compose.cli.session import project_name

    return project_name(_gopts(ctx))


def _con(ctx: typer.Context, no_color: bool = False):
    from compose.console import Console

    return Console(ansi=_gopts(ctx).ansi, no_color=no_color)


def _tuple(values: Optional[List[str]]) -> tuple[str, ...]:
    return tuple(values or ())


def _scale(values: Optional[List[str]], hint: str = "--scale") -> tuple[tuple[str, int], ...]:
    out = []
    for item in values or ():
        name, sep, count = item.partition("=")
        if not name or not sep or not count.isdigit():
            raise typer.BadParameter(f"{item!r}: use SERVICE=NUM", param_hint=hint)
        out.append((name, int(count)))
    return tuple(out)


def _check_format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"use {' or '.join(allowed)}", param_hint="--format")
    return value


SERVICES = typer.Argument(None, metavar="[SERVICE...]")
TIMEOUT = typer.Option(None, "-t", "--timeout", help="Seconds to wait for a stop before killing.")



def _json_line(data: Any) -> str:
    import json

    return json.dumps(data, separators=(",", ":"))


def _each_ref(ctx: typer.Context, refs: List[str], fn: Callable[[Any, str], Any]) -> None:
    """``fn(rt, ref)`` for each ref, echoing it."""
    rt, console = _runtime(), _con(ctx)
    for ref in refs:
        fn(rt, ref)
        console.write(ref)


def _short(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.3g}{unit}" if unit != "B" else f"{size}B"
        size /= 1000  # type: ignore[assignment]
    return f"{size}B"



def sub_app(name: str, help: str) -> typer.Typer:
    """A verb group (``dockyard image ...``) with the same error handling as the top level."""
    group = typer.Typer(cls=_Group, help=help, no_args_is_help=True, add_completion=False, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group
