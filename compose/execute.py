"""Run a Plan: networks and volumes, then each service in dependency order (parallel where the graph allows, at
most ``parallel`` at a time), waiting for each dependency's ``depends_on`` condition before starting a service.
Progress goes to an event callback; failures raise ExecuteError/DependencyError naming the object and the cause."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from compose import labels as L
from compose import plan as P
from compose import waits
from compose.ahead import CreateAhead, worth_it
from compose.errors import ComposeError, DependencyError, ExecuteError  # noqa: F401 - re-exported
from compose.events import Event, EventFn, ignore
from compose.graph import ServiceGraph
from compose.model import DependsOn, Project, Service
from compose.observe import is_oneoff, service_of
from runtime import record


@record
class ExecuteOptions:
    """``parallel``: most services worked on at once (None = no limit); ``timeout``: stop timeout (-t);
    ``start``: start what was created; ``wait_timeout``: bound for dependency waits (None = from healthchecks);
    ``renew_anon_volumes``: drop anonymous volumes when recreating (-V); ``remove_volumes``: removed containers
    take their anonymous volumes."""

    parallel: int | None = None
    timeout: float | None = None
    start: bool = True
    wait_timeout: float | None = None
    renew_anon_volumes: bool = False
    poll_interval: float = 0.05
    remove_volumes: bool = True  # removed containers take their anonymous volumes (down: only with -v)


class Executor:
    """Runs plans against ``rt`` (a runtime.Runtime). ``sleep``/``clock`` are injectable for tests."""

    def __init__(self, rt: Any, on_event: EventFn = ignore, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rt = rt
        self.emit = on_event
        self.sleep = sleep
        self.clock = clock
        self._seen_lock = threading.Lock()
        self._seen: tuple[str, float, list] | None = None  # (project, when, its containers): shared by waiters

    # ------------------------------------------------------------------------------------------------ up
    def up(self, plan: P.Plan, project: Project, options: ExecuteOptions = ExecuteOptions()) -> None:
        for action in plan.of_kind(P.NETWORK) + plan.of_kind(P.VOLUME):
            self._resource(action)
        planned = set(plan.services())
        graph = ServiceGraph.from_project(project)
        ahead = CreateAhead(graph, lambda n: self._create_all(plan, n) if n in planned else None) \
            if worth_it(graph, plan, options) else None

        def one(name: str) -> None:
            actions = plan.for_service(name)
            created = ahead is not None and ahead.wait(name)
            if any(_starts(a, options) for a in actions):
                self.wait_dependencies(project, project.services[name], options)
            for action in actions:
                if created and action.verb == P.CREATE:
                    self._start(action.name)
                else:
                    self._container(action, options)

        try:
            graph.walk(lambda n: one(n) if n in planned else None, limit=options.parallel)
        finally:
            if ahead is not None:
                ahead.close()
        for name in planned - set(project.services):
            for action in plan.for_service(name):
                self._container(action, options)

    def _create_all(self, plan: P.Plan, service: str) -> None:
        for action in plan.for_service(service):
            if action.verb == P.CREATE:
                self._created(action.name, self._step("container", action.name, "Creating", "Created",
                                                      lambda spec=action.spec: self.rt.create_container(spec)))

    def _start(self, name: str, ref: str | None = None) -> None:
        self._step("container", name, "Starting", "Started", lambda: self.rt.start_container(ref or name))

    def _resource(self, action: P.Action) -> None:
        kind = action.kind
        if action.verb == P.CREATE:
            self._step(kind, action.name, "Creating", "Created",
                       lambda: getattr(self.rt, f"create_{kind}")(action.spec))
        elif action.verb == P.REMOVE:
            self._step(kind, action.name, "Removing", "Removed",
                       lambda: getattr(self.rt, f"remove_{kind}")(action.name, missing_ok=True))

    def _container(self, action: P.Action, options: ExecuteOptions) -> None:
        name, rt = action.name, self.rt
        verb = action.verb
        if verb == P.CREATE:
            self._created(name, self._step("container", name, "Creating", "Created",
                                           lambda: rt.create_container(action.spec)))
            if options.start:
                self._start(name)
        elif verb == P.RECREATE:
            self._recreate(action, options)
        elif verb == P.START:
            self._start(name, action.ref)
        elif verb == P.RESTART:
            self._step("container", name, "Restarting", "Restarted",
                       lambda: rt.restart_container(action.ref or name, timeout=options.timeout))
        elif verb == P.STOP:
            self._step("container", name, "Stopping", "Stopped",
                       lambda: rt.stop_container(action.ref or name, timeout=options.timeout))
        elif verb == P.REMOVE:
            self._step("container", name, "Removing", "Removed",
                       lambda: rt.remove_container(action.ref or name, force=True, volumes=options.remove_volumes))
        elif verb == P.KEEP and action.reason == "running":
            self.emit(Event("container", name, "Running"))

    def _recreate(self, action: P.Action, options: ExecuteOptions) -> None:
        old, rt = action.ref or action.name, self.rt

        def replace() -> Any:
            rt.stop_container(old, timeout=options.timeout)
            rt.remove_container(old, force=True, volumes=options.renew_anon_volumes)
            return rt.create_container(action.spec)

        self._created(action.name, self._step("container", action.name, "Recreate", "Recreated", replace))
        if options.start:
            self._start(action.name)

    def _created(self, name: str, info: Any) -> None:
        """What the host does not apply of the new container's spec, as docker compose shows create warnings."""
        for text in getattr(info, "warnings", ()):
            self.emit(Event("container", name, "Warning", text))

    def _step(self, kind: str, name: str, doing: str, done: str, fn: Callable[[], Any]) -> Any:
        self.emit(Event(kind, name, doing))
        try:
            result = fn()
        except ComposeError:
            raise
        except Exception as exc:  # noqa: BLE001 - runtime errors are translated at this seam
            self.emit(Event(kind, name, "Error", str(exc), error=True))
            raise ExecuteError(f"{doing.lower()} {kind} {name}: {exc}") from exc
        self.emit(Event(kind, name, done))
        return result

    # ------------------------------------------------------------------------------------------------ waits
    def wait_dependencies(self, project: Project, service: Service, options: ExecuteOptions) -> None:
        for dep in service.depends_on:
            if dep.service not in project.services:
                continue
            try:
                self._wait_condition(project, dep, options)
            except DependencyError as exc:
                if dep.required:
                    raise
                self.emit(Event("service", service.name, "Warning", f"optional {exc.message}", error=True))

    def wait_for(self, project: Project, dep: DependsOn, options: ExecuteOptions) -> None:
        """Block until ``dep`` holds (``start`` uses it with conditions read from the containers' labels)."""
        self._wait_condition(project, dep, options)

    def _wait_condition(self, project: Project, dep: DependsOn, options: ExecuteOptions) -> None:
        timeout = options.wait_timeout
        if timeout is None:
            timeout = waits.default_timeout(dep.condition, project.services.get(dep.service))
        deadline = self.clock() + timeout
        announced, shared = False, 0.0
        while True:
            infos = self._replicas(self._containers(project.name, shared), dep.service)
            shared = options.poll_interval / 2  # after the first look, another waiter's fresh read will do
            verdict = waits.check(dep.condition, dep.service, infos)
            if verdict.failure:
                for info in infos:
                    self.emit(Event("container", info.name, "Error", verdict.failure, error=True))
                raise DependencyError(verdict.failure, hint=None)
            if verdict.done:
                if announced:
                    for info in infos:
                        self.emit(Event("container", info.name, _reached(dep.condition)))
                return
            if not announced and dep.condition != waits.STARTED:
                for info in infos:
                    self.emit(Event("container", info.name, "Waiting"))
                announced = True
            if self.clock() >= deadline:
                raise DependencyError(
                    f"dependency {dep.service} did not reach {dep.condition} within {timeout:g}s "
                    f"(waiting for {verdict.status})",
                    hint="check its logs, or raise the limit with --wait-timeout")
            self.sleep(options.poll_interval)

    def _containers(self, project: str, max_age: float = 0.0) -> list:
        """The project's containers: one runtime read, or another thread's read younger than ``max_age`` seconds
        (many services waiting on one dependency cost one read per poll, not one each)."""
        with self._seen_lock:
            now, seen = self.clock(), self._seen
            if max_age > 0 and seen is not None and seen[0] == project and now - seen[1] < max_age:
                return seen[2]
            infos = self.rt.containers(labels=L.project_filter(project), all=True)
            self._seen = (project, now, infos)
            return infos

    @staticmethod
    def _replicas(infos: list, service: str) -> list:
        return [c for c in infos if service_of(c) == service and not is_oneoff(c)]

    def wait_ready(self, project: Project, services: list[str], timeout: float | None,
                   poll_interval: float = 0.05) -> None:
        """``up --wait``: every service running and healthy, or exited 0 for one-shots; fails on the first that
        cannot get there; bounded by ``timeout`` (None = the services' healthcheck worst cases)."""
        if timeout is None:
            timeout = max([waits.default_timeout(waits.HEALTHY, project.services.get(s)) for s in services] + [0])
        deadline = self.clock() + timeout
        pending = {name: "" for name in services}
        while pending:
            infos = self._containers(project.name)
            for name in list(pending):
                verdict = waits.ready(name, self._replicas(infos, name))
                if verdict.failure:
                    raise DependencyError(verdict.failure, hint=f"see `dockyard logs {name}`")
                if verdict.done:
                    del pending[name]
                    self.emit(Event("service", name, verdict.status or "Healthy"))
                elif verdict.status != pending[name]:
                    pending[name] = verdict.status
                    self.emit(Event("service", name, "Waiting", f"for {verdict.status}"))
            if not pending:
                return
            if self.clock() >= deadline:
                what = "; ".join(f"{n}: {s}" for n, s in sorted(pending.items()))
                raise DependencyError(f"timed out after {timeout:g}s waiting for {what}",
                                      hint="raise --wait-timeout or check `dockyard ps` and `dockyard logs`")
            self.sleep(poll_interval)

    # ------------------------------------------------------------------------------------------------ down
    def down(self, plan: P.Plan, deps: dict[str, set[str]], options: ExecuteOptions = ExecuteOptions()) -> None:
        """Containers dependents-first (``deps``: service -> what it depends on), then networks, volumes, images."""
        for_graph = {s: deps.get(s, set()) for s in plan.services()}
        graph = _graph_of(for_graph)
        graph.walk(lambda name: [self._container(a, options) for a in plan.for_service(name)],
                   reverse=True, limit=options.parallel)
        for action in plan.of_kind(P.NETWORK) + plan.of_kind(P.VOLUME):
            self._resource(action)
        for action in plan.of_kind(P.IMAGE):
            self._step("image", action.name, "Removing", "Removed", lambda: self.rt.images.remove(action.name))


def _starts(action: P.Action, options: ExecuteOptions) -> bool:
    if action.verb in (P.START, P.RESTART):
        return True
    return action.verb in (P.CREATE, P.RECREATE) and options.start


def _reached(condition: str) -> str:
    return {waits.HEALTHY: "Healthy", waits.COMPLETED: "Exited"}.get(condition, "Started")


def _graph_of(deps: dict[str, set[str]]) -> ServiceGraph:
    services = {name: Service(name=name, depends_on=tuple(DependsOn(d) for d in sorted(found) if d in deps))
                for name, found in deps.items()}
    return ServiceGraph.from_project(Project(name="down", services=services))
