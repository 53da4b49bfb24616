"""Figures dockyard cannot do yet are listed as "not measurable" with the probe's reason, never dropped."""

from __future__ import annotations

import argparse
import shutil

import pytest

from bench.harness.figures import Outcome, by_id, evaluate
from bench.harness.main import Run
from bench.harness.report import document, results_markdown


@pytest.fixture
def run():
    args = argparse.Namespace(quick=True, no_anchors=True, only=None, json=None)
    r = Run(args, by_id(["P1", "P2", "P5", "P9"]))
    yield r
    shutil.rmtree(r.work, ignore_errors=True)


def never_called():
    raise AssertionError("a blocked group must not be measured")


def test_blocked_figures_carry_the_probe_reason_and_are_not_measured(run):
    run.caps["compose"] = "compose verbs do not work yet (`dockyard up -d` exited 2)"
    run.group(("P2", "P2b", "P5", "P5b"), never_called)
    for fid in ("P2", "P2b", "P5", "P5b"):
        assert run.outcomes[fid].reason == "compose verbs do not work yet (`dockyard up -d` exited 2)"


def test_figures_outside_the_selection_are_left_out(run):
    run.group(("P7a",), never_called)
    assert "P7a" not in run.outcomes


def test_a_measurement_that_raises_marks_its_figures_and_the_run_goes_on(run):
    def broken():
        raise OSError("registry did not start")

    run.group(("P9a", "P9b"), broken)
    assert run.outcomes["P9a"].reason == "measurement failed: OSError: registry did not start"
    assert run.outcomes["P9b"].reason == run.outcomes["P9a"].reason


def test_a_single_outcome_is_given_to_the_groups_only_figure(run):
    run.group(("P1a",), lambda: Outcome((1.0,), (3.0,)))
    assert run.outcomes["P1a"].dockyard == (1.0,)


def test_results_markdown_lists_every_figure_and_its_reason(run):
    run.caps["compose"] = "compose verbs do not work yet"
    run.group(("P2", "P2b", "P5", "P5b"), never_called)
    run.group(("P1a",), lambda: Outcome((1.0,), (3.0,), note="crun: not installed"))
    results = [evaluate(f, run.outcomes.get(f.id, Outcome.unmeasurable("not run"))) for f in run.figures]
    text = results_markdown(document({"uname": "Linux vm", "cpus": 2, "mem_mb": 1, "python": "3.11",
                                      "versions": {"runc": "1.1.5"}}, results, quick=True, started=0, ended=60))
    assert "| runc | 1.1.5 |" in text
    assert "| P2 | up -d of 30 services until all running |" in text
    assert text.count("not measurable: compose verbs do not work yet") == 4
    assert "- **P1a**: crun: not installed" in text
