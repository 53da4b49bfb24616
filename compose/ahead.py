"""Create ahead: ``up`` creates the planned containers in dependency order on a side thread while the start walk
waits for ``depends_on`` conditions, as docker compose creates every container before starting any. A dependent's
create no longer waits for its dependencies to be healthy; its start still does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from compose import plan as P
from compose.graph import ServiceGraph


class CreateAhead:
    """``create(name)`` runs for every service of ``graph`` in dependency order on a side thread; ``wait(name)``
    blocks until that service's turn is over: True if it created it, False if it never got to it (the caller then
    creates it itself), or raises what its create raised."""

    def __init__(self, graph: ServiceGraph, create: Callable[[str], None]) -> None:
        self._create = create
        self._done = {name: threading.Event() for name in graph.services}
        self._created: set[str] = set()
        self._errors: dict[str, BaseException] = {}
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, args=(graph,), name="create-ahead", daemon=True)
        self._thread.start()

    def _run(self, graph: ServiceGraph) -> None:
        try:
            graph.walk(self._one)
        except BaseException:  # noqa: BLE001, S110 - kept per service in _errors, raised by wait()
            pass
        finally:
            for done in self._done.values():
                done.set()

    def _one(self, name: str) -> None:
        try:
            if self._cancelled:
                return
            self._create(name)
            self._created.add(name)
        except BaseException as exc:
            self._errors[name] = exc
            raise
        finally:
            self._done[name].set()

    def wait(self, name: str) -> bool:
        self._done[name].wait()
        if name in self._errors:
            raise self._errors[name]
        return name in self._created

    def close(self) -> None:
        """Create nothing more; returns once the creates under way are over."""
        self._cancelled = True
        self._thread.join()


def worth_it(graph: ServiceGraph, plan: P.Plan, options: Any) -> bool:
    """Only where a start can wait for a dependency; not with a ``--parallel`` limit (a second walk would double
    the work in flight); not when the plan recreates containers (a new container that joins a dependency's
    namespaces must be created after that dependency's replacement)."""
    planned = set(plan.services())
    return bool(options.start and options.parallel is None
                and not any(a.verb == P.RECREATE for a in plan.actions)
                and any(graph.dependencies(n, recursive=False) for n in planned if n in graph.services))
