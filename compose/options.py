"""``*Options``: the parameters of one verb, built by the CLI from flags and handed to compose.service.

Defined here: the global flags, which every verb builds. ``ps`` and ``down`` (typer-free fast paths) find theirs in
``compose.quick_options``, the other verbs in ``compose.verb_options``; both load on first use of their names here
(PEP 562), so that ``container run`` builds one dataclass, ``ps`` or ``down`` three, not ten (about 1 ms each)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime import record

if TYPE_CHECKING:  # loaded by load_options: `ps -p NAME` never loads a file
    from compose.loader.options import LoadOptions
    from compose.quick_options import DownOptions, PsOptions  # noqa: F401
    from compose.verb_options import (AttachOptions, ConfigOptions, DownPlanOptions, LogsOptions,  # noqa: F401
                                      PullOptions, ReconcileOptions, UpOptions)

RECREATE_DIVERGED = "diverged"
RECREATE_FORCE = "force"
RECREATE_NEVER = "never"
_LATER = frozenset({"AttachOptions", "ConfigOptions", "DownPlanOptions", "LogsOptions", "PullOptions",
                    "ReconcileOptions", "UpOptions"})
_QUICK = frozenset({"DownOptions", "PsOptions"})


def __getattr__(name: str) -> Any:
    if name in _QUICK:
        from compose import quick_options as source
    elif name in _LATER:
        from compose import verb_options as source
    else:
        raise AttributeError(f"module 'compose.options' has no attribute {name!r}")
    value = getattr(source, name)
    globals()[name] = value
    return value


@record
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
