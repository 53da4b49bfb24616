"""P2-P5 and P11: compose verbs, dockyard beside docker-compose v1 (and podman-compose for P2b), same stacks.

"until all running" = the command returns, then the project's running containers are counted until all are up;
the time taken is the start of the first count that sees them all (the same rule for every engine, so a slow
``ps`` does not count against its tool).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .figures import Outcome
from .stacks import write_stack
from .timing import CommandFailed, run_checked, time_call, time_command


@dataclass
class Tool:
    """One compose implementation: how to build its command lines and count a project's running containers."""

    name: str
    env: dict
    argv: Callable[[str, Path, tuple[str, ...]], list[str]]  # (project, stack, verb args) -> command line
    running: Callable[[str], int]
    after_down: Callable[[str], None] = lambda project: None

    def call(self, project: str, stack: Path, *args: str, timeout: float = 900) -> None:
        run_checked(self.argv(project, stack, args), env=self.env, timeout=timeout)


def dockyard_tool(dy) -> Tool:
    def running(project: str) -> int:
        out = subprocess.run(dy.cmd("-p", project, "ps", "--format", "json"), env=dy.env, capture_output=True,
                             text=True, timeout=120).stdout
        try:
            rows = json.loads(out or "[]")
        except json.JSONDecodeError:
            return 0
        return sum(1 for r in rows if r.get("State") == "running")

    return Tool("dockyard", dy.env, lambda p, s, a: dy.compose(p, s, *a), running)


def docker_compose_tool(an) -> Tool:
    def running(project: str) -> int:
        out = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}",
                              "--filter", "status=running"], env=an.env, capture_output=True, text=True).stdout
        return len(out.split())

    return Tool("docker-compose", an.env,
                lambda p, s, a: an.cmd(["docker-compose", "-p", p, "-f", str(s), *a]), running)


def podman_compose_tool(an) -> Tool:
    def running(project: str) -> int:
        out = subprocess.run(an.cmd(["podman", "ps", "-q", "--filter", f"label=io.podman.compose.project={project}",
                                     "--filter", "status=running"]), env=an.env, capture_output=True, text=True)
        return len(out.stdout.split())

    def after_down(project: str) -> None:  # podman-compose 1.0.3 leaves the project network behind
        subprocess.run(an.cmd(["podman", "network", "rm", "-f", f"{project}_default"]), env=an.env,
                       capture_output=True)

    return Tool("podman-compose", an.env, lambda p, s, a: an.cmd(["podman-compose", "-p", p, "-f", str(s), *a]),
                running, after_down)


def up_until_running(tool: Tool, project: str, stack: Path, n: int, up_args: tuple[str, ...] = ("up", "-d"),
                     limit: float = 600) -> float:
    """Seconds from starting ``up`` to the first count that sees all ``n`` containers running."""
    t0 = time.perf_counter()
    tool.call(project, stack, *up_args)
    while True:
        seen_at = time.perf_counter()
        if tool.running(project) >= n:
            return seen_at - t0
        if seen_at - t0 > limit:
            raise TimeoutError(f"{tool.name} {project}: not all {n} containers running after {limit:.0f} s")
        time.sleep(0.05)


def down(tool: Tool, project: str, stack: Path) -> float:
    took = time_call(lambda: tool.call(project, stack, "down"))
    tool.after_down(project)
    return took


@dataclass
class ComposeSamples:
    """Per tool name: seconds per repetition for each step."""

    up30: dict[str, list[float]] = field(default_factory=dict)
    ps30: dict[str, list[float]] = field(default_factory=dict)
    down30: dict[str, list[float]] = field(default_factory=dict)
    up10: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, step: str, tool: str, value: float) -> None:
        getattr(self, step).setdefault(tool, []).append(value)


def cycle30(tool: Tool, stack: Path, samples: ComposeSamples, *, with_ps_down: bool = True) -> None:
    project = "dyb30"
    try:
        samples.add("up30", tool.name, up_until_running(tool, project, stack, 30))
        if with_ps_down:
            samples.add("ps30", tool.name, time_call(lambda: tool.call(project, stack, "ps")))
            samples.add("down30", tool.name, down(tool, project, stack))
    finally:
        _quiet_down(tool, project, stack)


def cycle10(tool: Tool, stack: Path, samples: ComposeSamples) -> None:
    """P3: the 10-service chain with a healthcheck gate; dockyard uses ``up --wait``, docker-compose v1 has no
    --wait but its ``up -d`` itself waits for service_healthy before starting s002."""
    project = "dyb10"
    up_args = ("up", "--wait") if tool.name == "dockyard" else ("up", "-d")
    try:
        samples.add("up10", tool.name, up_until_running(tool, project, stack, 10, up_args))
    finally:
        _quiet_down(tool, project, stack)


def _quiet_down(tool: Tool, project: str, stack: Path) -> None:
    """Untimed cleanup after a cycle (a no-op when the timed down already ran)."""
    subprocess.run(tool.argv(project, stack, ("down", "-t", "2") if tool.name != "podman-compose" else ("down",)),
                   env=tool.env, capture_output=True, timeout=900)
    tool.after_down(project)


def run_compose(tools: list[Tool], stacks: Path, reps: int, podman_reps: int, log) -> ComposeSamples:
    """Interleaved repetitions: each rep runs every tool once, so load changes hit all of them alike."""
    s30, s10 = write_stack(stacks, "flat30", 30), write_stack(stacks, "chain10", 10, "chain")
    samples = ComposeSamples()
    for rep in range(reps):
        for tool in tools:
            if tool.name in samples.errors or (tool.name == "podman-compose" and rep >= podman_reps):
                continue
            log(f"  compose rep {rep + 1}/{reps}: {tool.name}")
            try:
                cycle30(tool, s30, samples, with_ps_down=tool.name != "podman-compose")
                if tool.name != "podman-compose":
                    cycle10(tool, s10, samples)
            except (CommandFailed, TimeoutError, subprocess.TimeoutExpired) as exc:
                samples.errors[tool.name] = str(exc)[:300]
                log(f"  {tool.name} failed: {exc}")
    return samples


def outcomes(s: ComposeSamples, python_pass: list[float], anchor_name: str = "docker-compose") -> dict[str, Outcome]:
    """Figures P2, P2b, P3, P4, P5, P5b from the samples."""

    def pair(step: str, anchor: str) -> Outcome:
        dy = tuple(getattr(s, step).get("dockyard", ()))
        an = tuple(getattr(s, step).get(anchor, ()))
        reason = s.errors.get("dockyard") if not dy else s.errors.get(anchor) if not an else None
        if not an and reason is None:
            reason = f"{anchor} not run (--no-anchors or not installed)"
        return Outcome(dy, an, reason)

    out = {"P2": pair("up30", anchor_name), "P2b": pair("up30", "podman-compose"), "P3": pair("up10", anchor_name),
           "P4": pair("down30", anchor_name), "P5": pair("ps30", anchor_name)}
    ps = tuple(s.ps30.get("dockyard", ()))
    if python_pass:
        base = sorted(python_pass)[len(python_pass) // 2]
        bound = 2 * base + 0.1
        out["P5b"] = Outcome(ps, (), None if ps else s.errors.get("dockyard", "no ps samples"), goal=bound,
                             note=f"bound = 2 x {base * 1000:.0f} ms (`python3 -c pass`, same interpreter) + 100 ms")
    else:
        out["P5b"] = Outcome.unmeasurable("no `python3 -c pass` samples")
    return out


def python_pass(runs: int) -> list[float]:
    """The floor of any Python CLI on this machine: the interpreter dockyard runs on, doing nothing."""
    return time_command([sys.executable, "-c", "pass"], runs)


def linearity(dy_tool: Tool, stacks: Path, reps: int, s: ComposeSamples, n: int = 200) -> Outcome:
    """P11: (up + down) seconds per container at ``n`` against the same at 30 from this run's P2/P4 samples."""
    up30, down30 = s.up30.get("dockyard", []), s.down30.get("dockyard", [])
    if not up30 or not down30:
        return Outcome.unmeasurable(s.errors.get("dockyard", "no 30-service samples to compare with"))
    stack = write_stack(stacks, f"flat{n}", n)
    per_big = []
    try:
        for _ in range(reps):
            up = up_until_running(dy_tool, f"dyb{n}", stack, n, limit=1800)
            per_big.append((up + down(dy_tool, f"dyb{n}", stack)) / n)
    except (CommandFailed, TimeoutError, subprocess.TimeoutExpired) as exc:
        return Outcome(tuple(per_big), (), str(exc)[:300])
    finally:
        _quiet_down(dy_tool, f"dyb{n}", stack)
    per30 = tuple((u + d) / 30 for u, d in zip(up30, down30))
    return Outcome(tuple(per_big), per30, note=f"ratio > 1 means per-container cost grows from 30 to {n}")
