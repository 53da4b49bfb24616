"""The service dependency graph (the only networkx importer; imported only for transitive questions, so ``up`` and
``down`` start without it).

Edges point from a service to what it depends on: ``depends_on`` plus the implicit ones (``network_mode``,
``ipc``, ``pid``, ``uts``, ``cgroup: service:x``, ``volumes_from``, ``links``).  Start order is dependencies first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from compose.errors import ConsistencyError

if TYPE_CHECKING:
    import networkx

    from compose.model import Project, Service

_NAMESPACE_ATTRS = ("network_mode", "ipc", "pid", "uts", "cgroup")


def _edges(service: Service) -> list[tuple[str, str, bool]]:
    """``(dependency, why, required)`` for every dependency of ``service``, implicit ones first (normalize also
    copies them into ``depends_on``; naming the attribute that caused them makes better errors)."""
    out: list[tuple[str, str, bool]] = []
    for attr in _NAMESPACE_ATTRS:
        value = getattr(service, attr) or ""
        if value.startswith("service:"):
            out.append((value[len("service:") :], attr, True))
    for source in service.volumes_from:
        if source.startswith("container:"):
            continue
        name = source[len("service:") :] if source.startswith("service:") else source
        out.append((name.split(":", 1)[0], "volumes_from", True))
    for link in service.links:
        out.append((link.split(":", 1)[0], "links", True))
    return out + [(d.service, "depends_on", d.required) for d in service.depends_on]


def _missing(name: str, dep: str, why: str) -> ConsistencyError:
    tree_path = ("services", name, why) + ((dep,) if why == "depends_on" else ())
    error = ConsistencyError(
        f"service {name!r} depends on undefined service {dep!r} ({why})",
        path=tree_path,
        hint=f"define service {dep!r}, enable its profile, or remove the reference",
    )
    error.tree_path = tree_path  # type: ignore[attr-defined]
    return error


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]`` (depth-first, in declaration order), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []
    for root in edges:
        if state.get(root):
            continue
        stack = [(root, iter(edges[root]))]
        state[root] = 1
        path.append(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(edges[child])))
    return None


def check_dependencies(project: Project) -> dict[str, list[str]]:
    """``{service: [dependencies]}`` after checking every required dependency exists and nothing loops.

    Pure Python (no networkx), so the load can run it cheaply; raises ``ConsistencyError`` naming both services,
    or the whole cycle (``dependency cycle detected: a -> b -> a``).
    """
    edges: dict[str, list[str]] = {}
    for name, service in project.services.items():
        deps = edges.setdefault(name, [])
        for dep, why, required in _edges(service):
            if dep not in project.services:
                if required:
                    raise _missing(name, dep, why)
                continue
            if dep not in deps:
                deps.append(dep)
    cycle = _find_cycle(edges)
    if cycle:
        where = ("services", cycle[0], "depends_on")
        error = ConsistencyError("dependency cycle detected: " + " -> ".join(cycle), path=where,
                                 hint="remove one of these dependencies")
        error.tree_path = where  # type: ignore[attr-defined]
        raise error
    return edges


class ServiceGraph:
    """A DAG of services; build it with ``from_project`` (which checks for missing services and cycles).

    Direct edges and the start/stop order are plain dict work (``up`` and ``down`` need nothing more, so they do not
    load networkx); transitive questions and subgraphs go to networkx, built on first use."""

    def __init__(self, edges: dict[str, list[str]]) -> None:
        self._edges = {name: list(deps) for name, deps in edges.items()}  # service -> what it depends on
        self._nx: networkx.DiGraph | None = None

    @classmethod
    def from_project(cls, project: Project) -> ServiceGraph:
        return cls(check_dependencies(project))

    def _graph(self) -> networkx.DiGraph:
        if self._nx is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph.add_nodes_from(self._edges)
            for name, deps in self._edges.items():
                graph.add_edges_from((name, dep) for dep in deps)
            self._nx = graph
        return self._nx

    def _reversed(self) -> dict[str, list[str]]:
        """service -> what depends on it directly."""
        out: dict[str, list[str]] = {name: [] for name in self._edges}
        for name, deps in self._edges.items():
            for dep in deps:
                out[dep].append(name)
        return out

    @property
    def services(self) -> frozenset[str]:
        return frozenset(self._edges)

    def dependencies(self, service: str, recursive: bool = True) -> set[str]:
        """What ``service`` needs started first (transitively unless ``recursive=False``)."""
        if recursive:
            import networkx as nx

            return set(nx.descendants(self._graph(), service))
        return set(self._edges[service])

    def dependents(self, service: str, recursive: bool = True) -> set[str]:
        """What needs ``service`` (transitively unless ``recursive=False``)."""
        if recursive:
            import networkx as nx

            return set(nx.ancestors(self._graph(), service))
        return set(self._reversed()[service])

    def generations(self) -> list[set[str]]:
        """Start order: each set may start in parallel once the sets before it are up."""
        return _layers(self._edges)

    def reverse_generations(self) -> list[set[str]]:
        """Stop order: dependents before their dependencies."""
        return _layers(self._reversed())

    def subgraph(self, services: Iterable[str], *, with_dependencies: bool = True) -> ServiceGraph:
        """The graph restricted to ``services`` (plus what they depend on, by default)."""
        keep = set(services)
        if with_dependencies:
            for name in list(keep):
                keep |= self.dependencies(name)
        return ServiceGraph({n: [d for d in deps if d in keep] for n, deps in self._edges.items() if n in keep})

    def walk(self, fn: Callable[[str], Any], *, reverse: bool = False, limit: int | None = None) -> dict[str, Any]:
        """Run ``fn(service)`` for every service once its prerequisites finished, at most ``limit`` at a time.

        Forward: a service runs after all its dependencies; ``reverse``: after all its dependents.  The first
        exception stops new work, waits for running calls and is re-raised.  Returns ``{service: result}``.
        """
        edges = self._reversed() if reverse else self._edges
        return _run({name: set(before) for name, before in edges.items()}, fn, limit)


def _layers(before: dict[str, list[str]]) -> list[set[str]]:
    """Kahn's layering: each set holds what has nothing left ``before`` it (the graph is acyclic: checked)."""
    waiting = {name: set(deps) for name, deps in before.items()}
    out: list[set[str]] = []
    while waiting:
        ready = {name for name, deps in waiting.items() if not deps}
        if not ready:
            raise ConsistencyError("dependency cycle detected among " + ", ".join(sorted(waiting)),
                                   hint="remove one of these dependencies")
        out.append(ready)
        for name in ready:
            del waiting[name]
        for deps in waiting.values():
            deps -= ready
    return out


def _run(blockers: dict[str, set[str]], fn: Callable[[str], Any], limit: int | None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    pending: dict[Future[Any], str] = {}
    waiting = dict(blockers)
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=limit or max(1, len(blockers))) as pool:
        while waiting or pending:
            if error is None:
                for name in sorted(n for n, deps in waiting.items() if not deps):
                    del waiting[name]
                    pending[pool.submit(fn, name)] = name
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                name = pending.pop(future)
                if future.cancelled():
                    continue
                if future.exception() is not None:
                    error = error or future.exception()
                    for other in pending:
                        other.cancel()
                    continue
                results[name] = future.result()
                for deps in waiting.values():
                    deps.discard(name)
    if error is not None:
        raise error
    return results
