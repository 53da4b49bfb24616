#!/usr/bin/env python3
"""`dockyard up -d` (until all running) and `dockyard down` of a 30-service project, over N cycles.

Sets the stack up itself (needs root): a private DOCKYARD_ROOT/DOCKYARD_RUN, DOCKYARD_DNS_UPSTREAM=none, a busybox
image imported from a rootfs tar, N services each running a TERM-obeying idle shell. Each cycle times `up -d` until
`ps -q` lists every service (the time is taken at the start of that successful count, as bench/run does), then
`down`. ALWAYS runs `down -v` at the end and checks that no container of the project is left. Prints min / median /
max in seconds and writes bench/results/updown.json. Issue 9 goals (P2/P4): up <= 0.25 x docker-compose's 4.8 s,
down <= 0.25 x its 2.6 s.

Usage (root): .venv/bin/python bench/bench_updown.py [--cycles 5] [--services 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import idlestack  # noqa: E402  (bench/ is not a package)

PROJECT = "dybenchud"
IMAGE = "dockyard.bench/busybox:updown"
SETTLE = 0.5  # let every shell install its TERM trap before down (else down waits out the stop timeout)
ANCHORS = {"up": 4.8, "down": 2.6}  # docker-compose v1 on this machine (issue 9), seconds


def compose_file(n: int) -> str:
    return idlestack.compose_file(n, IMAGE, width=2)


def import_image(tmp: Path) -> None:
    idlestack.import_image(tmp, IMAGE)


run = idlestack.run


def running(exe: str, cwd: Path) -> int:
    return len(run([exe, "-p", PROJECT, "ps", "-q"], cwd).stdout.split())


def time_up(exe: str, cwd: Path, n: int) -> float:
    start = time.perf_counter()
    up = run([exe, "-p", PROJECT, "up", "-d"], cwd)
    if up.returncode != 0:
        raise SystemExit(f"up -d failed: {up.stderr[-2000:]}")
    deadline = time.monotonic() + 60
    while True:
        counted_at = time.perf_counter()
        if running(exe, cwd) == n:
            return counted_at - start
        if time.monotonic() > deadline:
            raise SystemExit(f"up -d: not all {n} services running after 60 s")
        time.sleep(0.05)


def time_down(exe: str, cwd: Path) -> float:
    start = time.perf_counter()
    down = run([exe, "-p", PROJECT, "down"], cwd)
    took = time.perf_counter() - start
    if down.returncode != 0:
        raise SystemExit(f"down failed: {down.stderr[-2000:]}")
    return took


def summary(samples: list[float], anchor: float) -> dict[str, object]:
    med = statistics.median(samples)
    return {"unit": "s", "min": min(samples), "median": med, "max": max(samples), "samples": samples,
            "anchor_docker_compose": anchor, "ratio": med / anchor, "goal_ratio": 0.25}


def report(results: dict[str, dict[str, object]], n: int, out: Path) -> None:
    print(f"{'verb':<8} {'min s':>7} {'median s':>9} {'max s':>7} {'ratio':>6}  (goal <= 0.25 x docker-compose)")
    for verb, r in results.items():
        print(f"{verb:<8} {r['min']:7.3f} {r['median']:9.3f} {r['max']:7.3f} {r['ratio']:6.2f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": os.uname().nodename, "services": n, "loadavg_at_end": os.getloadavg(), "figures": results}
    out.write_text(json.dumps(doc, indent=2) + "\n")


def cleanup(exe: str, cwd: Path, tmp: Path) -> None:
    down = run([exe, "-p", PROJECT, "down", "-v", "-t", "5"], cwd)
    left = run([exe, "-p", PROJECT, "ps", "-a", "-q"], cwd).stdout.split()
    if down.returncode != 0 or left:
        print(f"WARNING: down -v failed or left {len(left)} containers: {down.stderr[-1000:]}", file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--services", type=int, default=30)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "updown.json")
    args = parser.parse_args()
    exe, tmp, cwd = idlestack.workspace("bench_updown", compose_file(args.services))
    ups: list[float] = []
    downs: list[float] = []
    try:
        import_image(tmp)
        for i in range(args.cycles):
            ups.append(time_up(exe, cwd, args.services))
            time.sleep(SETTLE)
            downs.append(time_down(exe, cwd))
            print(f"cycle {i + 1}: up {ups[-1]:.3f} s, down {downs[-1]:.3f} s", file=sys.stderr)
        report({"up": summary(ups, ANCHORS["up"]), "down": summary(downs, ANCHORS["down"])}, args.services,
               args.json)
    finally:
        cleanup(exe, cwd, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
