"""The harness's goal logic: ratio = dockyard / anchor (lower is better), met/missed/recorded/not measurable."""

from __future__ import annotations

import pytest

from bench.harness.figures import (
    FIGURES, RATIO_AT_MOST, RECORDED, VALUE_AT_LEAST, VALUE_AT_MOST, VALUE_BELOW, FigureDef, Outcome, Stats, by_id,
    evaluate, judge, ratio_of,
)

RATIO = FigureDef("X1", "thing", "s", "other tool", RATIO_AT_MOST, 0.5)


def test_ratio_is_dockyard_over_anchor_medians():
    result = evaluate(RATIO, Outcome((1.0, 2.0, 9.0), (4.0, 8.0, 5.0)))
    assert result.dockyard.median == 2.0
    assert result.anchor.median == 5.0
    assert result.ratio == pytest.approx(0.4)


def test_ratio_at_or_below_the_goal_is_met_and_above_is_missed():
    assert evaluate(RATIO, Outcome((5.0,), (10.0,))).status == "met"
    assert evaluate(RATIO, Outcome((5.1,), (10.0,))).status == "missed"


def test_ratio_needs_both_sides():
    assert ratio_of(None, 1.0) is None
    assert ratio_of(1.0, None) is None
    assert ratio_of(1.0, 0.0) is None
    assert ratio_of(3.0, 2.0) == 1.5


def test_missing_anchor_makes_a_ratio_figure_not_measurable_with_its_reason():
    result = evaluate(RATIO, Outcome((1.0,), (), "docker not run (--no-anchors)"))
    assert result.status == "not measurable: docker not run (--no-anchors)"
    assert result.dockyard.median == 1.0  # dockyard's own number is still reported
    assert result.ratio is None


def test_no_samples_at_all_says_why():
    result = evaluate(RATIO, Outcome.unmeasurable("`dockyard up` does not work yet"))
    assert result.status == "not measurable: `dockyard up` does not work yet"
    assert result.dockyard is None and result.anchor is None


def test_a_reason_wins_over_samples():
    result = evaluate(RATIO, Outcome((1.0,), (10.0,), "3 queries failed"))
    assert result.status.startswith("not measurable: 3 queries failed")


def test_absolute_figures_are_judged_on_dockyards_median():
    qps = FigureDef("X2", "qps", "qps", None, VALUE_AT_LEAST, 5000.0)
    p99 = FigureDef("X3", "p99", "ms", None, VALUE_BELOW, 5.0)
    assert evaluate(qps, Outcome((6000.0,))).status == "met"
    assert evaluate(qps, Outcome((4999.0,))).status == "missed"
    assert evaluate(p99, Outcome((4.9,))).status == "met"
    assert evaluate(p99, Outcome((5.0,))).status == "missed"


def test_a_bound_computed_in_the_run_overrides_the_definition():
    ps = FigureDef("X4", "ps", "s", None, VALUE_AT_MOST, None)
    result = evaluate(ps, Outcome((0.30,), goal=0.31))
    assert (result.goal, result.status) == (0.31, "met")
    assert evaluate(ps, Outcome((0.32,), goal=0.31)).status == "missed"


def test_recorded_figures_have_a_ratio_but_no_verdict():
    fig = FigureDef("X5", "podman", "s", "podman-compose", RECORDED)
    result = evaluate(fig, Outcome((1.0,), (30.0,)))
    assert result.status == "recorded"
    assert result.ratio == pytest.approx(1 / 30)


def test_ratio_override_is_used_as_reported_ratio():
    result = evaluate(RATIO, Outcome((400.0,), (500.0,), ratio_override=1.25))
    assert result.ratio == 1.25
    assert result.status == "missed"


def test_summary_stats_from_scripts_stand_in_for_samples():
    result = evaluate(RATIO, Outcome(dockyard_stats=Stats(50, 1.0, 2.0, 3.0), anchor_stats=Stats(50, 5, 10, 20)))
    assert result.ratio == pytest.approx(0.2)
    assert result.status == "met"


def test_judge_rejects_a_missing_value_for_a_real_goal():
    with pytest.raises(ValueError):
        judge(RATIO_AT_MOST, 0.5, None)
    assert judge(RECORDED, None, None) == "recorded"


def test_registry_has_every_figure_of_the_issue_once():
    ids = [f.id for f in FIGURES]
    assert len(ids) == len(set(ids))
    assert {i.rstrip("abc") for i in ids} == {f"P{n}" for n in range(1, 12)}


def test_goals_match_the_issue():
    goals = {f.id: f.goal for f in FIGURES}
    assert goals["P1a"] == goals["P1b"] == 0.5
    assert goals["P2"] == goals["P4"] == 0.25
    assert goals["P3"] == goals["P5"] == 0.5
    assert goals["P6"] == 1.0
    assert goals["P7a"] == goals["P7b"] == goals["P8"] == 1.25
    assert goals["P9a"] == 5000 and goals["P9b"] == 5.0
    assert goals["P10"] == pytest.approx(1 / 0.8)  # direct / published, so lower stays better


def test_only_selects_by_id_or_by_number():
    assert [f.id for f in by_id(["P1"])] == ["P1a", "P1b", "P1c"]
    assert [f.id for f in by_id(["P10", "P2b"])] == ["P2b", "P10"]  # registry order
    assert len(by_id(None)) == len(FIGURES)


def test_only_rejects_unknown_ids():
    with pytest.raises(ValueError, match="unknown figure 'P12'"):
        by_id(["P12"])
