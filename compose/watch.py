"""``dockyard events``: container events of a project, derived by watching state (there is no daemon to ask).

Each poll is compared with the last: create, start, die (with the exit code), pause, unpause, restart,
health_status, destroy, as Docker names them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from compose import labels as L
from compose.observe import service_of


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def _event(action: str, info: Any, when: str, **extra: str) -> dict:
    attributes = {"name": info.name, "image": info.image, **extra}
    return {"time": when, "type": "container", "action": action, "id": info.id, "service": service_of(info),
            "attributes": attributes}


def diff(before: dict[str, Any], after: dict[str, Any], when: str) -> list[dict]:
    """The events that turn snapshot ``before`` into ``after`` (both: container id -> ContainerInfo)."""
    out: list[dict] = []
    for cid, new in after.items():
        old = before.get(cid)
        if old is None:
            out.append(_event("create", new, when))
            old_state, old_health, old_restarts = "created", "", new.restart_count
        else:
            old_state = old.state
            old_health = old.health.status if old.health else ""
            old_restarts = old.restart_count
        out += _transitions(old_state, old_restarts, new, when)
        health = new.health.status if new.health else ""
        if health and health != old_health:
            out.append(_event(f"health_status: {health}", new, when))
    out += [_event("destroy", old, when) for cid, old in before.items() if cid not in after]
    return out


def _transitions(old: str, old_restarts: int, new: Any, when: str) -> list[dict]:
    out = []
    if new.restart_count > old_restarts:
        out.append(_event("restart", new, when))
    elif old in ("created", "exited", "dead") and new.state in ("running", "paused"):
        out.append(_event("start", new, when))
    if old in ("running", "paused", "restarting") and new.state in ("exited", "dead"):
        out.append(_event("die", new, when, exitCode=str(new.exit_code or 0)))
    if old == "running" and new.state == "paused":
        out.append(_event("pause", new, when))
    if old == "paused" and new.state == "running":
        out.append(_event("unpause", new, when))
    return out


def events(rt: Any, project: str, services: tuple[str, ...] = (), *, stop: threading.Event,
           poll: float = 0.5, clock: Callable[[], str] = _now) -> Iterator[dict]:
    """Events until ``stop`` is set; the first snapshot is the baseline (no events for what already exists)."""
    def snapshot() -> dict[str, Any]:
        infos = rt.containers(labels={L.PROJECT: project}, all=True)
        return {c.id: c for c in infos if not services or service_of(c) in services}

    last = snapshot()
    while not stop.wait(poll):
        current = snapshot()
        yield from diff(last, current, clock())
        last = current


def text(event: dict) -> str:
    """Docker's plain line: ``<time> container <action> <id> (image=..., name=...)``."""
    attrs = ", ".join(f"{k}={v}" for k, v in sorted(event["attributes"].items()))
    return f"{event['time']} {event['type']} {event['action']} {event['id']} ({attrs})"
