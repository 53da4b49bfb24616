"""Verbs on existing containers: start, stop, restart, kill, pause, unpause, rm (by labels; no compose file)."""

from __future__ import annotations

import signal as _signal
from typing import Any, Callable

from compose.events import Event, EventFn, ignore


def containers(rt: Any, name: str, services: tuple[str, ...] = (), *, oneoff: bool = False) -> list:
    """The project's containers (of ``services``), in dependency order (dependencies first)."""
    from compose.errors import ComposeError
    from compose.observe import is_oneoff, number_of, observe, service_of
    from compose.reconcile import down_order

    observed = observe(rt, name, resources=False)
    if services:
        unknown = [s for s in services if s not in observed.services()]
        if unknown and not observed.containers:
            raise ComposeError(f"no containers found for project {name}", hint="start it with `dockyard up`")
    order = list(reversed(down_order(observed)))
    picked = [c for c in observed.containers if (not services or service_of(c) in services)
              and (oneoff or not is_oneoff(c))]
    return sorted(picked, key=lambda c: (order.index(service_of(c)) if service_of(c) in order else 0, number_of(c)))


def _each(infos: list, emit: EventFn, doing: str, done: str, fn: Callable[[Any], Any]) -> int:
    """``fn`` on each container in order, under the project's lock, with events; the first failure stops."""
    from compose.errors import ExecuteError
    from compose.lock import project_lock
    from compose.observe import project_of

    if not infos:
        return 0
    with project_lock(project_of(infos[0])):
        return _each_locked(infos, emit, doing, done, fn, ExecuteError)


def _each_locked(infos: list, emit: EventFn, doing: str, done: str, fn: Callable[[Any], Any], error: type) -> int:
    count = 0
    for info in infos:
        emit(Event("container", info.name, doing))
        try:
            fn(info)
        except Exception as exc:  # noqa: BLE001 - translated at this seam
            emit(Event("container", info.name, "Error", str(exc), error=True))
            raise error(f"{doing.lower()} container {info.name}: {exc}") from exc
        emit(Event("container", info.name, done))
        count += 1
    return count


def start(rt: Any, name: str, services: tuple[str, ...] = (), emit: EventFn = ignore, *,
          wait_timeout: float | None = None, executor: Any = None) -> int:
    """Start stopped containers in dependency order; before each service, wait for its ``depends_on``
    conditions (read from its ``depends_on`` label) as ``up`` does. ``executor``: an Executor (tests pass one
    with a scripted clock)."""
    from compose.errors import ExecuteError
    from compose.execute import ExecuteOptions, Executor
    from compose.lock import project_lock
    from compose.model import Project

    infos = [c for c in containers(rt, name, services) if c.state in ("created", "exited")]
    if not infos:
        return 0
    present = {service_of_(c) for c in containers(rt, name)}
    runner = executor or Executor(rt, emit)
    options = ExecuteOptions(wait_timeout=wait_timeout)
    count, waited = 0, set()
    with project_lock(name):
        for info in infos:
            if service_of_(info) not in waited:
                waited.add(service_of_(info))
                for dep in label_depends_on(info):
                    if dep.service in present:
                        runner.wait_for(Project(name=name), dep, options)
            count += _each_locked([info], emit, "Starting", "Started", lambda c: rt.start_container(c.id),
                                  ExecuteError)
    return count


def label_depends_on(info: Any) -> list:
    """``com.docker.compose.depends_on`` (``db:service_healthy:false,...``) as DependsOn entries."""
    from compose import labels as L
    from compose.model import DependsOn

    out = []
    for item in filter(None, info.label_dict().get(L.DEPENDS_ON, "").split(",")):
        service, _, rest = item.partition(":")
        condition, _, restart = rest.partition(":")
        out.append(DependsOn(service, condition or "service_started", restart=restart == "true"))
    return out


def stop(rt: Any, name: str, services: tuple[str, ...] = (), timeout: float | None = None,
         emit: EventFn = ignore) -> int:
    infos = [c for c in reversed(containers(rt, name, services)) if c.state in ("running", "paused", "restarting")]
    return _each(infos, emit, "Stopping", "Stopped", lambda c: rt.stop_container(c.id, timeout=timeout))


def restart(rt: Any, name: str, services: tuple[str, ...] = (), timeout: float | None = None,
            emit: EventFn = ignore) -> int:
    """Restart the services' containers, then the dependents whose ``depends_on`` has ``restart: true``."""
    infos = containers(rt, name)
    chosen = set(services) if services else {service_of_(c) for c in infos}
    chosen |= restart_dependents(infos, chosen)
    picked = [c for c in infos if service_of_(c) in chosen]
    return _each(picked, emit, "Restarting", "Restarted", lambda c: rt.restart_container(c.id, timeout=timeout))


def service_of_(info: Any) -> str:
    from compose.observe import service_of

    return service_of(info)


def restart_dependents(infos: list, restarted: set[str]) -> set[str]:
    """Services whose ``com.docker.compose.depends_on`` label says ``<dep>:<condition>:true`` for a restarted
    dependency (transitively)."""
    from compose import labels as L

    found = set(restarted)
    changed = True
    while changed:
        changed = False
        for info in infos:
            entries = [e.split(":") for e in info.label_dict().get(L.DEPENDS_ON, "").split(",") if e]
            if service_of_(info) not in found and any(len(e) == 3 and e[0] in found and e[2] == "true" for e in entries):
                found.add(service_of_(info))
                changed = True
    return found - set(restarted)


def parse_signal(value: str | int) -> int:
    from compose.errors import ComposeError

    text = str(value).strip().upper()
    if text.isdigit():
        return int(text)
    try:
        return int(_signal.Signals[text if text.startswith("SIG") else f"SIG{text}"])
    except (KeyError, ValueError):
        raise ComposeError(f"invalid signal {value!r}", hint="use a name like SIGTERM or a number like 15") from None


def kill(rt: Any, name: str, services: tuple[str, ...] = (), sig: str = "SIGKILL", emit: EventFn = ignore) -> int:
    number = parse_signal(sig)
    infos = [c for c in reversed(containers(rt, name, services)) if c.state in ("running", "paused")]
    return _each(infos, emit, "Killing", "Killed", lambda c: rt.kill_container(c.id, number))


def pause(rt: Any, name: str, services: tuple[str, ...] = (), emit: EventFn = ignore) -> int:
    infos = [c for c in containers(rt, name, services) if c.state == "running"]
    return _each(infos, emit, "Pausing", "Paused", lambda c: rt.pause_container(c.id))


def unpause(rt: Any, name: str, services: tuple[str, ...] = (), emit: EventFn = ignore) -> int:
    infos = [c for c in containers(rt, name, services) if c.state == "paused"]
    return _each(infos, emit, "Unpausing", "Unpaused", lambda c: rt.unpause_container(c.id))


def removable(rt: Any, name: str, services: tuple[str, ...] = (), *, stop_first: bool = False) -> list:
    """What ``rm`` would remove: stopped containers (all of them with ``-s``)."""
    infos = containers(rt, name, services, oneoff=True)
    return infos if stop_first else [c for c in infos if c.state not in ("running", "paused", "restarting")]


def rm(rt: Any, name: str, infos: list, *, stop_first: bool = False, volumes: bool = False,
       timeout: float | None = None, emit: EventFn = ignore) -> int:
    from compose.lock import project_lock

    with project_lock(name):
        if stop_first:
            running = [c for c in reversed(infos) if c.state in ("running", "paused", "restarting")]
            _each(running, emit, "Stopping", "Stopped", lambda c: rt.stop_container(c.id, timeout=timeout))
        return _each(infos, emit, "Removing", "Removed",
                     lambda c: rt.remove_container(c.id, force=stop_first, volumes=volumes))
