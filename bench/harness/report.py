"""The run's output: the JSON document and the printed table. Pure except ``machine_info`` (reads /proc)."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from .figures import FigureResult

SCHEMA_KEYS = ("id", "name", "unit", "dockyard", "anchor", "anchor_name", "ratio", "goal", "goal_kind", "status",
               "samples", "stats", "note")


def machine_info(versions: dict[str, str]) -> dict:
    """uname, CPUs, memory, kernel and the tool versions of this run."""
    uname = os.uname()
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {"uname": " ".join([uname.sysname, uname.nodename, uname.release, uname.version, uname.machine]),
            "kernel": uname.release, "cpus": os.cpu_count(), "mem_mb": mem_kb // 1024,
            "python": platform.python_version(), "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "versions": dict(versions)}


def figure_dict(result: FigureResult) -> dict:
    """One figure in the JSON schema: medians as the headline numbers, every sample kept."""
    d = result.definition
    return {
        "id": d.id, "name": d.name, "unit": d.unit,
        "dockyard": result.dockyard.median if result.dockyard else None,
        "anchor": result.anchor.median if result.anchor else None,
        "anchor_name": d.anchor_name, "ratio": result.ratio, "goal": result.goal, "goal_kind": d.goal_kind,
        "status": result.status, "samples": result.samples,
        "stats": {"dockyard": result.dockyard.as_dict() if result.dockyard else None,
                  "anchor": result.anchor.as_dict() if result.anchor else None},
        "note": result.note,
    }


def document(machine: dict, results: list[FigureResult], *, quick: bool, started: float, ended: float) -> dict:
    return {"machine": machine, "mode": "quick" if quick else "full",
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "duration_s": round(ended - started, 1), "figures": [figure_dict(r) for r in results]}


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)


def fmt_num(value: float | None) -> str:
    """Three significant digits, no exponent for the ranges we meet; '-' for missing."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    mag = abs(value)
    if mag >= 1000:
        return f"{value:,.0f}"
    if mag >= 100:
        return f"{value:.0f}"
    if mag >= 10:
        return f"{value:.1f}"
    if mag >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_goal(kind: str, goal: float | None) -> str:
    if goal is None:
        return "recorded"
    return f"{kind.split()[-1]} {fmt_num(goal)}"


def table_rows(figures: list[dict]) -> list[list[str]]:
    rows = [["id", "figure", "unit", "dockyard", "anchor", "anchor name", "ratio", "goal", "status"]]
    for f in figures:
        kind = f["goal_kind"]
        rows.append([f["id"], f["name"], f["unit"], fmt_num(f["dockyard"]), fmt_num(f["anchor"]),
                     f["anchor_name"] or "-", fmt_num(f["ratio"]), fmt_goal(kind, f["goal"]), f["status"]])
    return rows


def format_table(figures: list[dict]) -> str:
    """A plain aligned text table (what ``bench/run`` prints)."""
    rows = table_rows(figures)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_markdown(figures: list[dict]) -> str:
    """The same table in Markdown (for bench/RESULTS.md)."""
    rows = table_rows(figures)
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
    return "\n".join(out)


def results_markdown(doc: dict) -> str:
    """The body of bench/RESULTS.md for one run: when, machine, versions, the table, per-figure notes."""
    m = doc["machine"]
    lines = [f"Run: `bench/run{' --quick' if doc['mode'] == 'quick' else ''}`, started {doc['started']}, "
             f"took {doc['duration_s'] / 60:.1f} min.", "",
             f"Machine: {m.get('uname', '')}; {m.get('cpus')} CPUs, {m.get('mem_mb')} MB RAM, "
             f"Python {m.get('python')}; load average at the end {m.get('loadavg_at_end', '?')}.", "", "| tool | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(m.get("versions", {}).items())]
    lines += ["", format_markdown(doc["figures"]), ""]
    notes = [f"- **{f['id']}**: {f['note']}" for f in doc["figures"] if f.get("note")]
    if notes:
        lines += ["Notes per figure:", "", *notes, ""]
    return "\n".join(lines)
