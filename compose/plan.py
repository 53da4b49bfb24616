"""A Plan: what reconcile decided, as data that renders one line per action (``create network p_default``)."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from runtime import record

# Action verbs, in the order execute runs them within one service.
CREATE = "create"
RECREATE = "recreate"
START = "start"
RESTART = "restart"
STOP = "stop"
REMOVE = "remove"
KEEP = "keep"

CONTAINER = "container"
NETWORK = "network"
VOLUME = "volume"
IMAGE = "image"


@record
class Action:
    """One step: ``verb`` a ``kind`` named ``name`` (for ``service`` replica ``number``), because ``reason``.

    ``spec`` is what to create (a runtime *Spec, not rendered); ``ref`` the existing object's id.
    """

    verb: str
    kind: str
    name: str
    service: str | None = None
    number: int | None = None
    reason: str = ""
    spec: Any = field(default=None, compare=False, repr=False)
    ref: str | None = None

    def text(self) -> str:
        line = f"{self.verb} {self.kind} {self.name}"
        return f"{line} ({self.reason})" if self.reason else line


@record
class Plan:
    """Actions in a stable order: networks and volumes, then containers per service, then orphans."""

    project: str
    actions: tuple[Action, ...] = ()
    warnings: tuple[str, ...] = ()

    def text(self) -> str:
        return "".join(f"{a.text()}\n" for a in self.actions)

    def lines(self) -> list[str]:
        return [a.text() for a in self.actions]

    def of_kind(self, kind: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind == kind)

    def for_service(self, service: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind == CONTAINER and a.service == service)

    def services(self) -> tuple[str, ...]:
        """Services with container actions, in plan order."""
        seen: dict[str, None] = {}
        for action in self.actions:
            if action.kind == CONTAINER and action.service is not None:
                seen.setdefault(action.service)
        return tuple(seen)

    def changes(self) -> tuple[Action, ...]:
        """Everything but ``keep``."""
        return tuple(a for a in self.actions if a.verb != KEEP)

    @property
    def empty(self) -> bool:
        return not self.changes()
