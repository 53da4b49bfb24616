"""``*Options``: the parameters of one verb, built by the CLI from flags and handed to compose.service."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded by load_options: `ps -p NAME` never loads a file
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


# ------------------------------------------------------------------------------------------ orchestration options
RECREATE_DIVERGED = "diverged"
RECREATE_FORCE = "force"
RECREATE_NEVER = "never"


@dataclass(frozen=True)
class ReconcileOptions:
    """What ``up``/``create`` want reconcile to converge to.

    ``services``: named on the command line (empty = all); the others are dependencies and use ``recreate_deps``.
    ``recreate``/``recreate_deps``: diverged (config hash or image changed), force, never.
    ``known_services``: services that are not orphans although not selected (inactive profiles).
    """

    services: tuple[str, ...] = ()
    recreate: str = RECREATE_DIVERGED
    recreate_deps: str = RECREATE_DIVERGED
    scale: tuple[tuple[str, int], ...] = ()
    remove_orphans: bool = False
    no_start: bool = False
    known_services: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # put on every container (config files, working dir)


@dataclass(frozen=True)
class DownPlanOptions:
    """What ``down`` removes besides containers and networks: ``volumes`` (-v), ``rmi`` (local|all)."""

    volumes: bool = False
    rmi: str | None = None
    remove_orphans: bool = False


# ------------------------------------------------------------------------------------------ verb options
@dataclass(frozen=True)
class UpOptions:
    """``dockyard up`` / ``create`` (flags as Docker Compose's)."""

    services: tuple[str, ...] = ()
    detach: bool = False
    wait: bool = False
    wait_timeout: float | None = None
    no_deps: bool = False
    no_start: bool = False
    force_recreate: bool = False
    no_recreate: bool = False
    always_recreate_deps: bool = False
    remove_orphans: bool = False
    scale: tuple[tuple[str, int], ...] = ()
    timeout: float | None = None
    renew_anon_volumes: bool = False
    pull: str = "missing"  # always, missing, never, build
    build: bool = False
    no_build: bool = False
    parallel: int | None = None
    quiet_pull: bool = False

    def reconcile_options(self, known: tuple[str, ...] = (),
                          labels: tuple[tuple[str, str], ...] = ()) -> ReconcileOptions:
        recreate = RECREATE_FORCE if self.force_recreate else RECREATE_NEVER if self.no_recreate else RECREATE_DIVERGED
        deps = RECREATE_FORCE if self.always_recreate_deps else RECREATE_NEVER if self.no_recreate else RECREATE_DIVERGED
        return ReconcileOptions(services=self.services, recreate=recreate, recreate_deps=deps, scale=self.scale,
                                remove_orphans=self.remove_orphans, no_start=self.no_start, known_services=known,
                                labels=labels)


@dataclass(frozen=True)
class AttachOptions:
    """How attached ``up`` and ``logs`` print: which services, colours, prefixes, timestamps, when to stop."""

    attach: tuple[str, ...] = ()
    no_attach: tuple[str, ...] = ()
    no_color: bool = False
    no_log_prefix: bool = False
    timestamps: bool = False
    abort_on_container_exit: bool = False
    abort_on_container_failure: bool = False
    exit_code_from: str | None = None


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


@dataclass(frozen=True)
class LogsOptions:
    services: tuple[str, ...] = ()
    follow: bool = False
    tail: int | None = None
    timestamps: bool = False
    since: str | None = None
    until: str | None = None
    no_color: bool = False
    no_log_prefix: bool = False
    index: int | None = None


@dataclass(frozen=True)
class PullOptions:
    services: tuple[str, ...] = ()
    ignore_pull_failures: bool = False
    policy: str | None = None  # always, missing
    quiet: bool = False
    include_deps: bool = False
