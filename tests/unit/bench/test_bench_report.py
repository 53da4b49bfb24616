"""The harness's output: the JSON document's schema and the printed / Markdown tables."""

from __future__ import annotations

import json

from bench.harness.figures import FIGURES, Outcome, evaluate
from bench.harness.report import (
    SCHEMA_KEYS, document, fmt_num, format_markdown, format_table, machine_info, write_json,
)


def sample_doc() -> dict:
    p1a, p2 = (next(f for f in FIGURES if f.id == fid) for fid in ("P1a", "P2"))
    results = [evaluate(p1a, Outcome((3.0, 4.0, 5.0), (9.0, 10.0, 11.0))),
               evaluate(p2, Outcome.unmeasurable("`dockyard up` does not work yet"))]
    return document({"kernel": "k"}, results, quick=True, started=0.0, ended=12.34)


def test_document_has_machine_and_one_entry_per_figure_with_every_key():
    doc = sample_doc()
    assert doc["machine"] == {"kernel": "k"}
    assert doc["mode"] == "quick"
    assert doc["duration_s"] == 12.3
    assert [f["id"] for f in doc["figures"]] == ["P1a", "P2"]
    for fig in doc["figures"]:
        assert tuple(fig) == SCHEMA_KEYS


def test_measured_figure_reports_medians_ratio_goal_and_samples():
    fig = sample_doc()["figures"][0]
    assert (fig["dockyard"], fig["anchor"], fig["anchor_name"]) == (4.0, 10.0, "runc run")
    assert fig["ratio"] == 0.4 and fig["goal"] == 0.5 and fig["status"] == "met"
    assert fig["samples"] == {"dockyard": [3.0, 4.0, 5.0], "anchor": [9.0, 10.0, 11.0]}
    assert fig["stats"]["anchor"] == {"n": 3, "min": 9.0, "median": 10.0, "max": 11.0}


def test_unmeasurable_figure_has_nulls_and_the_reason():
    fig = sample_doc()["figures"][1]
    assert fig["dockyard"] is None and fig["anchor"] is None and fig["ratio"] is None
    assert fig["status"] == "not measurable: `dockyard up` does not work yet"


def test_document_is_json_serialisable_and_written_atomically(tmp_path):
    out = tmp_path / "sub" / "quick.json"
    write_json(out, sample_doc())
    assert json.loads(out.read_text())["figures"][0]["id"] == "P1a"
    assert list(out.parent.iterdir()) == [out]


def test_machine_info_names_kernel_cpus_memory_and_versions():
    info = machine_info({"runc": "runc version 1.1.5"})
    assert info["cpus"] >= 1 and info["mem_mb"] > 0 and info["kernel"]
    assert info["versions"] == {"runc": "runc version 1.1.5"}


def test_numbers_are_printed_with_about_three_significant_digits():
    assert [fmt_num(v) for v in (None, 0, 19585.4, 123.4, 12.34, 1.234, 0.01234)] == [
        "-", "0", "19,585", "123", "12.3", "1.23", "0.0123"]


def test_table_has_a_header_a_rule_and_aligned_columns():
    lines = format_table(sample_doc()["figures"]).splitlines()
    assert lines[0].split()[:3] == ["id", "figure", "unit"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("P1a ")
    assert lines[2].index("4.00") == lines[0].index("dockyard")
    assert "<= 0.5" in lines[2] and "met" in lines[2]
    assert lines[3].endswith("not measurable: `dockyard up` does not work yet")


def test_markdown_table_has_one_row_per_figure():
    md = format_markdown(sample_doc()["figures"]).splitlines()
    assert md[0].startswith("| id | figure |")
    assert md[1].startswith("|---|")
    assert len(md) == 4 and md[3].startswith("| P2 |")
