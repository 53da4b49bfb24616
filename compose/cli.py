"""The `dockyard` command: one small function per verb (flags -> *Options -> compose.service -> console).

The only typer importer and the only place that exits. Heavy modules are imported inside the verbs so that
`dockyard --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from compose.options import ConfigOptions, GlobalOptions

VERSION = "0.1.0"

app = typer.Typer(
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
