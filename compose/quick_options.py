"""The options of ``ps`` and ``down``, the verbs with a typer-free fast path besides ``container run``: loaded on
first use through ``compose.options`` (``from compose.options import PsOptions`` works), so that ``container run``
does not build them (about 1 ms per dataclass at import)."""

from __future__ import annotations

from runtime import record

__all__ = ["DownOptions", "PsOptions"]


@record
class DownOptions:
    volumes: bool = False
    rmi: str | None = None
    remove_orphans: bool = False
    timeout: float | None = None
    services: tuple[str, ...] = ()
    parallel: int | None = None


@record
class PsOptions:
    services: tuple[str, ...] = ()
    all: bool = False
    quiet: bool = False
    list_services: bool = False
    status: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    format: str = "table"
    orphans: bool = True
