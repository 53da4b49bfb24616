"""The options of the verbs that work on a loaded project (config, up/create, attached output, logs, pull) and of
reconcile: loaded on first use through ``compose.options`` (``from compose.options import UpOptions`` works), so
that the verbs with a typer-free fast path (``ps``, ``down``, ``container run``) do not build them."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from compose.options import RECREATE_DIVERGED, RECREATE_FORCE, RECREATE_NEVER
from runtime import record

__all__ = ["AttachOptions", "ConfigOptions", "DownPlanOptions", "LogsOptions", "PullOptions", "ReconcileOptions",
           "UpOptions"]


@record
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
    variables: bool = False
    environment: bool = False


@record
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


@record
class DownPlanOptions:
    """What ``down`` removes besides containers and networks: ``volumes`` (-v), ``rmi`` (local|all)."""

    volumes: bool = False
    rmi: str | None = None
    remove_orphans: bool = False


# ------------------------------------------------------------------------------------------ verb options
@record
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


@record
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


@record
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


@record
class PullOptions:
    services: tuple[str, ...] = ()
    ignore_pull_failures: bool = False
    policy: str | None = None  # always, missing
    quiet: bool = False
    include_deps: bool = False
