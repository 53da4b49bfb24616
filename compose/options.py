"""``*Options``: the parameters of one verb, built by the CLI from flags and handed to compose.service.

Defined here: the global flags and the options of the verbs with a typer-free fast path (``ps``, ``down``), so that
those verbs build three dataclasses, not ten (about 1 ms each at import). The others live in
``compose.verb_options`` and load on first use of their names here (PEP 562)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by load_options: `ps -p NAME` never loads a file
    from compose.loader.options import LoadOptions
    from compose.verb_options import (AttachOptions, ConfigOptions, DownPlanOptions, LogsOptions,  # noqa: F401
                                      PullOptions, ReconcileOptions, UpOptions)

RECREATE_DIVERGED = "diverged"
RECREATE_FORCE = "force"
RECREATE_NEVER = "never"
_LATER = frozenset({"AttachOptions", "ConfigOptions", "DownPlanOptions", "LogsOptions", "PullOptions",
                    "ReconcileOptions", "UpOptions"})


def __getattr__(name: str) -> Any:
    if name not in _LATER:
        raise AttributeError(f"module 'compose.options' has no attribute {name!r}")
    from compose import verb_options

    value = getattr(verb_options, name)
    globals()[name] = value
    return value


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
    parallel: int | None = None  # most services worked on at once (--parallel, COMPOSE_PARALLEL_LIMIT); None = all

    def load_options(
        self,
        *,
        services: tuple[str, ...] = (),
        interpolate: bool = True,
        normalize: bool = True,
        profiles: tuple[str, ...] | None = None,
        stdin: str | None = None,
    ) -> LoadOptions:
        from compose.loader.options import LoadOptions

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
class DownOptions:
    volumes: bool = False
    rmi: str | None = None
    remove_orphans: bool = False
    timeout: float | None = None
    services: tuple[str, ...] = ()
    parallel: int | None = None


@dataclass(frozen=True)
class PsOptions:
    services: tuple[str, ...] = ()
    all: bool = False
    quiet: bool = False
    list_services: bool = False
    status: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    format: str = "table"
    orphans: bool = True
