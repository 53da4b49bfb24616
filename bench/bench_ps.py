#!/usr/bin/env python3
"""`dockyard ps` latency on a running 30-service project, next to `python3 -c pass` and `dockyard --help`.

Sets the stack up itself (needs root): a private DOCKYARD_ROOT/DOCKYARD_RUN, a busybox image imported from a rootfs
tar, `dockyard -p bench30 up -d` of 30 services that sleep, then times `ps` N times, and ALWAYS runs `down -v` and
checks that no container of the project is left. Prints min / median / max in ms and writes bench/results/ps.json.
The goal (issue 6/9): ps median <= 2 x `python3 -c pass` + 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import idlestack  # noqa: E402  (bench/ is not a package)

PROJECT = "bench30"
IMAGE = "dockyard.bench/busybox:ps"


def compose_file(n: int) -> str:
    return idlestack.compose_file(n, IMAGE, width=0)


def import_image(tmp: Path) -> None:
    idlestack.import_image(tmp, IMAGE)


run = idlestack.run


def timed(cmd: list[str], runs: int, cwd: Path) -> list[tuple[float, float]]:
    """(wall ms, CPU ms of the child) per run: CPU time shows the cost even when the machine is loaded."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        samples.append(((time.perf_counter() - start) * 1000, (usage.ru_utime + usage.ru_stime) * 1000))
        if status != 0:
            raise SystemExit(f"{' '.join(cmd)} failed (wait status {status})")
    return samples


def measure(exe: str, cwd: Path, runs: int, n: int) -> dict[str, list[tuple[float, float]]]:
    ps = [exe, "-p", PROJECT, "ps"]
    listed = run(ps + ["-q"], cwd).stdout.split()
    if len(listed) != n:
        raise SystemExit(f"expected {n} running containers, ps -q listed {len(listed)}")
    return {
        "python3 -c pass": timed([sys.executable, "-c", "pass"], runs, cwd),
        "dockyard --help": timed([exe, "--help"], runs, cwd),
        f"dockyard ps ({n} services)": timed(ps, runs, cwd),
        f"dockyard ps -a --format json ({n} services)": timed(ps + ["-a", "--format", "json"], runs, cwd),
    }


def report(rows: dict[str, list[tuple[float, float]]], out: Path) -> None:
    base = statistics.median(w for w, _ in rows["python3 -c pass"])
    print(f"{'command':<44} {'min':>8} {'median':>8} {'max':>8} {'x pass':>7} {'cpu med':>8}")
    figures = []
    for name, samples in rows.items():
        wall, cpu = [w for w, _ in samples], [c for _, c in samples]
        med = statistics.median(wall)
        print(f"{name:<44} {min(wall):8.1f} {med:8.1f} {max(wall):8.1f} {med / base:7.2f} {statistics.median(cpu):8.1f}")
        figures.append({"name": name, "unit": "ms", "min": min(wall), "median": med, "max": max(wall),
                        "cpu_median": statistics.median(cpu)})
    print(f"goal for ps: <= {2 * base + 100:.1f} ms (2 x python3 -c pass + 100 ms)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": os.uname().nodename, "figures": figures}, indent=2) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--services", type=int, default=30)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "ps.json")
    args = parser.parse_args()
    exe, tmp, cwd = idlestack.workspace("bench_ps", compose_file(args.services))
    try:
        import_image(tmp)
        up = run([exe, "-p", PROJECT, "up", "-d"], cwd)
        if up.returncode != 0:
            raise SystemExit(f"up failed: {up.stderr[-1000:]}")
        report(measure(exe, cwd, args.runs, args.services), args.json)
    finally:
        down = run([exe, "-p", PROJECT, "down", "-v", "-t", "5"], cwd)
        left = run([exe, "-p", PROJECT, "ps", "-a", "-q"], cwd).stdout.split()
        if down.returncode != 0 or left:
            print(f"WARNING: down -v failed or left {len(left)} containers: {down.stderr[-1000:]}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
