"""The figures registry and the pure goal logic: ratio = dockyard / anchor, lower is better.

A figure is defined once (``FigureDef``); a run produces one ``Outcome`` per figure (numbers or a reason it could
not be measured); ``evaluate`` turns the pair into a ``FigureResult`` with the ratio and a status.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

# goal kinds
RATIO_AT_MOST = "ratio <="  # ratio = dockyard / anchor must be <= goal
VALUE_AT_LEAST = "value >="  # absolute figure (no anchor): dockyard >= goal
VALUE_BELOW = "value <"  # absolute figure: dockyard < goal
VALUE_AT_MOST = "value <="  # absolute figure whose bound is computed in the run (goal given by the Outcome)
RECORDED = "recorded"  # no goal: the figure is recorded for comparison

MET, MISSED, RECORDED_STATUS = "met", "missed", "recorded"
NOT_MEASURABLE = "not measurable"


@dataclass(frozen=True)
class FigureDef:
    """One figure of the issue: what is measured, against what, and the goal."""

    id: str
    name: str
    unit: str
    anchor_name: str | None
    goal_kind: str
    goal: float | None = None
    needs: tuple[str, ...] = ()  # capabilities: "compose", "container_run", "docker", "podman", ...


@dataclass(frozen=True)
class Stats:
    n: int
    min: float
    median: float
    max: float

    @staticmethod
    def of(samples: tuple[float, ...] | list[float]) -> Stats | None:
        if not samples:
            return None
        return Stats(len(samples), min(samples), statistics.median(samples), max(samples))

    def as_dict(self) -> dict:
        return {"n": self.n, "min": self.min, "median": self.median, "max": self.max}


@dataclass(frozen=True)
class Outcome:
    """What a measurement produced: sample lists (in the figure's unit) or the reason it could not run."""

    dockyard: tuple[float, ...] = ()
    anchor: tuple[float, ...] = ()
    reason: str | None = None  # set when the figure (or its anchor) could not be measured
    goal: float | None = None  # overrides the definition's goal (bounds computed in the run)
    note: str = ""
    ratio_override: float | None = None  # figures whose ratio is not median/median (documented in the note)
    dockyard_stats: Stats | None = None  # for scripts that report only min/median/max, not every sample
    anchor_stats: Stats | None = None

    @staticmethod
    def unmeasurable(reason: str) -> Outcome:
        return Outcome(reason=reason)


@dataclass(frozen=True)
class FigureResult:
    definition: FigureDef
    dockyard: Stats | None
    anchor: Stats | None
    ratio: float | None
    goal: float | None
    status: str
    samples: dict = field(default_factory=dict)
    note: str = ""


def ratio_of(dockyard: float | None, anchor: float | None) -> float | None:
    """dockyard / anchor, or None when either is missing or the anchor is zero."""
    if dockyard is None or anchor is None or anchor == 0:
        return None
    return dockyard / anchor


def judge(kind: str, goal: float | None, value: float | None) -> str:
    """met / missed / recorded for one number against its goal (value is the ratio or the absolute figure)."""
    if kind == RECORDED or goal is None:
        return RECORDED_STATUS
    if value is None:
        raise ValueError("judge needs a value unless the figure is only recorded")
    ok = {RATIO_AT_MOST: value <= goal, VALUE_AT_MOST: value <= goal,
          VALUE_AT_LEAST: value >= goal, VALUE_BELOW: value < goal}[kind]
    return MET if ok else MISSED


def not_measurable(reason: str) -> str:
    return f"{NOT_MEASURABLE}: {reason}"


def evaluate(definition: FigureDef, outcome: Outcome) -> FigureResult:
    """Turn one measurement outcome into the reported figure (ratio from medians, status from the goal)."""
    dy = outcome.dockyard_stats or Stats.of(outcome.dockyard)
    an = outcome.anchor_stats or Stats.of(outcome.anchor)
    goal = outcome.goal if outcome.goal is not None else definition.goal
    samples = {"dockyard": list(outcome.dockyard), "anchor": list(outcome.anchor)}
    ratio = outcome.ratio_override
    if ratio is None and dy is not None and an is not None:
        ratio = ratio_of(dy.median, an.median)
    needs_anchor = definition.goal_kind == RATIO_AT_MOST
    if dy is None or (needs_anchor and ratio is None):
        reason = outcome.reason or ("no dockyard samples" if dy is None else "no anchor samples")
        status = not_measurable(reason)
    elif outcome.reason:
        status = not_measurable(outcome.reason)
    elif definition.goal_kind in (RATIO_AT_MOST,):
        status = judge(definition.goal_kind, goal, ratio)
    elif definition.goal_kind == RECORDED:
        status = RECORDED_STATUS
    else:
        status = judge(definition.goal_kind, goal, dy.median)
    return FigureResult(definition, dy, an, ratio, goal, status, samples, outcome.note)


def with_reason(outcome: Outcome, reason: str) -> Outcome:
    """A copy of ``outcome`` marked not measurable (keeps whatever samples it already has)."""
    return replace(outcome, reason=reason)


P10_GOAL = 1 / 0.8  # published >= 0.8 x direct, recorded as direct / published <= 1.25

FIGURES: tuple[FigureDef, ...] = (
    FigureDef("P1a", "start+exit of `true`: dockyard runtime vs runc run", "ms", "runc run", RATIO_AT_MOST, 0.5),
    FigureDef("P1b", "`container run --rm` of `true` vs docker run --rm", "ms", "docker run --rm", RATIO_AT_MOST,
              0.5, ("container_run", "docker")),
    FigureDef("P1c", "start+exit of `true`: dockyard runtime vs crun run", "ms", "crun run", RECORDED),
    FigureDef("P2", "up -d of 30 services until all running", "s", "docker-compose", RATIO_AT_MOST, 0.25,
              ("compose", "docker")),
    FigureDef("P2b", "up -d of 30 services until all running", "s", "podman-compose", RECORDED, None,
              ("compose", "podman")),
    FigureDef("P3", "up --wait of a 10-service depends_on chain, healthcheck gate", "s", "docker-compose",
              RATIO_AT_MOST, 0.5, ("compose", "docker")),
    FigureDef("P4", "down of 30 services that obey SIGTERM", "s", "docker-compose", RATIO_AT_MOST, 0.25,
              ("compose", "docker")),
    FigureDef("P5", "ps of 30 services", "s", "docker-compose ps", RATIO_AT_MOST, 0.5, ("compose", "docker")),
    FigureDef("P5b", "ps of 30 services under 2x `python3 -c pass` + 100 ms", "s", None, VALUE_AT_MOST, None,
              ("compose",)),
    FigureDef("P6", "resident memory (PSS) per running container, 10 containers", "MB", "containerd-shim",
              RATIO_AT_MOST, 1.0, ("compose", "docker")),
    FigureDef("P6b", "resident memory (PSS) per running container, 10 containers", "MB", "conmon", RECORDED, None,
              ("compose", "podman")),
    FigureDef("P7a", "pull of a ~100 MB image from a local registry (fetch + verify)", "s", "skopeo copy",
              RATIO_AT_MOST, 1.25, ("registry",)),
    FigureDef("P7b", "unpack of a ~100 MB layer", "s", "tar -xzf", RATIO_AT_MOST, 1.25),
    FigureDef("P8", "logs of 1M lines", "s", "docker logs", RATIO_AT_MOST, 1.25, ("docker",)),
    FigureDef("P9a", "DNS queries per second, 30-service network", "qps", None, VALUE_AT_LEAST, 5000.0),
    FigureDef("P9b", "DNS p99 latency, 30-service network", "ms", None, VALUE_BELOW, 5.0),
    FigureDef("P10", "TCP throughput, direct / published port (lower is better)", "MB/s", "direct to container",
              RATIO_AT_MOST, P10_GOAL),
    FigureDef("P11", "up+down time per container at 200 vs at 30 (linearity)", "s/container", "dockyard at 30",
              RECORDED, None, ("compose",)),
)


def by_id(ids: list[str] | None = None) -> list[FigureDef]:
    """The registry filtered by id or prefix ("P1" selects P1a, P1b, P1c); unknown ids raise ValueError."""
    if not ids:
        return list(FIGURES)
    chosen: list[FigureDef] = []
    for want in ids:
        hits = [f for f in FIGURES if f.id == want or (f.id.rstrip("abc") == want)]
        if not hits:
            raise ValueError(f"unknown figure {want!r}; known: {', '.join(f.id for f in FIGURES)}")
        chosen += [f for f in hits if f not in chosen]
    return [f for f in FIGURES if f in chosen]
