"""ServiceGraph: dependency order, implicit edges, missing services, cycles and the ordered walk."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from compose.errors import ConsistencyError
from compose.graph import ServiceGraph
from tests.support.compose_model import project

CHAIN = """
services:
  web: {image: x, depends_on: [api]}
  api: {image: x, depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}}
  db: {image: x}
  cache: {image: x}
  worker: {image: x, depends_on: [db]}
"""


def graph(text: str) -> ServiceGraph:
    return ServiceGraph.from_project(project(text))


def test_generations_start_dependencies_first():
    assert graph(CHAIN).generations() == [{"db", "cache"}, {"api", "worker"}, {"web"}]


def test_reverse_generations_stop_dependents_first():
    assert graph(CHAIN).reverse_generations() == [{"web", "worker"}, {"api"}, {"db", "cache"}]


def test_dependencies_and_dependents():
    g = graph(CHAIN)
    assert g.dependencies("web") == {"api", "db", "cache"}
    assert g.dependencies("web", recursive=False) == {"api"}
    assert g.dependents("db") == {"api", "worker", "web"}
    assert g.dependents("db", recursive=False) == {"api", "worker"}


def test_implicit_edges_from_namespaces_volumes_from_and_links():
    g = graph(
        """
        services:
          app:
            image: x
            network_mode: "service:net"
            volumes_from: ["data:ro"]
            links: ["cache:c"]
            ipc: "service:ipc"
          net: {image: x}
          data: {image: x}
          cache: {image: x}
          ipc: {image: x}
        """
    )
    assert g.dependencies("app", recursive=False) == {"net", "data", "cache", "ipc"}


def test_missing_dependency_names_both_services():
    with pytest.raises(ConsistencyError, match="service 'web' depends on undefined service 'db'"):
        graph("services: {web: {image: x, depends_on: [db]}}")


def test_missing_optional_dependency_is_tolerated():
    g = graph("services: {web: {image: x, depends_on: {db: {condition: service_started, required: false}}}}")
    assert g.dependencies("web") == set()


def test_missing_network_mode_service_is_an_error():
    with pytest.raises(ConsistencyError, match="undefined service 'vpn' \\(network_mode\\)"):
        graph("services: {web: {image: x, network_mode: 'service:vpn'}}")


def test_cycle_is_named_in_full():
    with pytest.raises(ConsistencyError) as info:
        graph(
            """
            services:
              a: {image: x, depends_on: [b]}
              b: {image: x, depends_on: [c]}
              c: {image: x, depends_on: [a]}
            """
        )
    message = str(info.value)
    assert "dependency cycle detected:" in message
    cycle = message.split("dependency cycle detected: ")[1].split(":")[0].split(" -> ")
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"} and len(cycle) == 4


def test_self_dependency_is_a_cycle():
    with pytest.raises(ConsistencyError, match="dependency cycle detected: a -> a"):
        graph("services: {a: {image: x, depends_on: [a]}}")


def test_walk_runs_each_service_after_its_dependencies():
    order: list[str] = []
    lock = threading.Lock()

    def start(name: str) -> str:
        with lock:
            order.append(name)
        return name.upper()

    results = graph(CHAIN).walk(start, limit=2)
    assert results == {n: n.upper() for n in ("web", "api", "db", "cache", "worker")}
    assert order.index("db") < order.index("api") < order.index("web")
    assert order.index("cache") < order.index("api")


def test_reverse_walk_runs_dependents_first():
    order: list[str] = []
    graph(CHAIN).walk(order.append, reverse=True, limit=1)
    assert order.index("web") < order.index("api") < order.index("db")
    assert order.index("worker") < order.index("db")


def test_walk_respects_the_concurrency_limit():
    running, peak = 0, 0
    lock = threading.Lock()
    gate = threading.Barrier(2, timeout=5)

    def work(_name: str) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            gate.wait()
        except threading.BrokenBarrierError:
            pass
        with lock:
            running -= 1

    g = graph("services: {" + ", ".join(f"s{i}: {{image: x}}" for i in range(6)) + "}")
    g.walk(work, limit=2)
    assert peak == 2


def test_walk_stops_scheduling_after_a_failure_and_reraises():
    started: list[str] = []

    def start(name: str) -> None:
        started.append(name)
        if name in ("db", "cache"):
            raise RuntimeError(f"{name} failed")

    with pytest.raises(RuntimeError, match="failed"):
        graph(CHAIN).walk(start, limit=1)
    assert "web" not in started and "api" not in started


def test_subgraph_keeps_dependencies():
    assert graph(CHAIN).subgraph(["api"]).services == {"api", "db", "cache"}


def test_networkx_is_imported_lazily():
    source = Path(__file__).resolve().parents[2] / "compose" / "graph.py"
    tree = ast.parse(source.read_text())
    top_level = [
        node
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and any("networkx" in (getattr(node, "module", None) or a.name) for a in node.names)
    ]
    assert top_level == []


def test_importing_the_graph_module_does_not_load_networkx():
    import subprocess
    import sys

    code = "import sys, compose.graph; print('networkx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_ordering_and_walking_do_not_load_networkx():
    import subprocess
    import sys

    code = ("import sys\n"
            "from compose.graph import ServiceGraph\n"
            "from tests.support.compose_model import project\n"
            f"g = ServiceGraph.from_project(project({CHAIN!r}))\n"
            "assert g.generations() == [{'db', 'cache'}, {'api', 'worker'}, {'web'}]\n"
            "assert g.dependents('db', recursive=False) == {'api', 'worker'}\n"
            "g.walk(lambda name: name, reverse=True)\n"
            "print('networkx' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "False"
