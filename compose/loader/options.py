"""What one load of a project is asked to do (from CLI flags and the environment)."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from runtime import record


@record
class LoadOptions:
    """Inputs of ``compose.loader.load_project``.

    ``files``: the ``-f`` values in order (``"-"`` is stdin); empty means discovery (COMPOSE_FILE, then the
    standard names in the working directory or its parents).
    ``environ``: the process environment (the shell); it wins over env files.
    ``stdin``: text to use for ``-f -``.
    ``consistency``: check cross references (undeclared networks, volumes, secrets, configs; network_mode with
    networks; depends_on cycles), as Docker Compose does; False is compose-go's ``SkipConsistencyCheck``.
    """

    files: tuple[str, ...] = ()
    project_name: str | None = None
    project_directory: Path | None = None
    working_dir: Path = field(default_factory=Path.cwd)
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    environ: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    interpolate: bool = True
    normalize: bool = True
    resolve_paths: bool = True
    consistency: bool = True
    services: tuple[str, ...] = ()  # services named on the command line (they enable their profiles)
