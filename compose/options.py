"""``*Options``: the parameters of one verb, built by the CLI from flags and handed to compose.service."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from compose.loader.options import LoadOptions


@dataclass(frozen=True)
class GlobalOptions:
    """The flags every verb shares (docker compose's global flags)."""

    files: tuple[str, ...] = ()
    project_name: str | None = None
    project_directory: Path | None = None
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    ansi: str = "auto"
    dry_run: bool = False

    def load_options(
        self,
        *,
        services: tuple[str, ...] = (),
        interpolate: bool = True,
        normalize: bool = True,
        profiles: tuple[str, ...] | None = None,
        stdin: str | None = None,
    ) -> LoadOptions:
        environ = dict(os.environ)
        active = self.profiles if profiles is None else profiles
        if not active and environ.get("COMPOSE_PROFILES"):
            active = tuple(p.strip() for p in environ["COMPOSE_PROFILES"].split(",") if p.strip())
        return LoadOptions(
            files=self.files,
            project_name=self.project_name,
            project_directory=self.project_directory,
            working_dir=Path.cwd(),
            env_files=self.env_files,
            profiles=active,
            environ=environ,
            stdin=stdin,
            interpolate=interpolate,
            normalize=normalize,
            resolve_paths=normalize,
            services=services,
        )


@dataclass(frozen=True)
class ConfigOptions:
    """``dockyard config``."""

    format: str = "yaml"
    quiet: bool = False
    services: bool = False
    volumes: bool = False
    networks: bool = False
    images: bool = False
    profiles: bool = False
    hash: str | None = None
    interpolate: bool = True
    normalize: bool = True
    output: Path | None = None
    selected: tuple[str, ...] = field(default_factory=tuple)
