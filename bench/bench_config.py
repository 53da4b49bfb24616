#!/usr/bin/env python3
"""Front-end start-up and load speed: `dockyard --help`, `dockyard version` and `dockyard config -q` on a generated
500-service compose file, each next to `python3 -c pass` (the floor of any Python CLI).

Prints a table (min / median / max over N runs, in ms) and writes bench/results/config.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def generate(n: int) -> str:
    """A realistic 500-service file: images, ports, env, volumes, healthchecks, depends_on chains."""
    out = ["name: bench500", "services:"]
    for i in range(n):
        out += [
            f"  svc{i}:",
            f"    image: registry.local/app{i % 7}:1.{i % 13}",
            "    restart: unless-stopped",
            f'    command: ["serve", "--port", "{8000 + i}"]',
            "    environment:",
            f"      - INDEX={i}",
            "      - MODE=${MODE:-production}",
            "    ports:",
            f'      - "{10000 + i}:{8000 + i}"',
            "    volumes:",
            f"      - data{i % 10}:/var/lib/app",
            "      - ./conf:/etc/app:ro",
            "    healthcheck:",
            '      test: ["CMD", "true"]',
            "      interval: 5s",
            "      retries: 3",
        ]
        if i:
            out += ["    depends_on:", f"      svc{i - 1}:", "        condition: service_started"]
    out.append("volumes:")
    out += [f"  data{i}: {{}}" for i in range(10)]
    return "\n".join(out) + "\n"


def timed(cmd: list[str], runs: int, cwd: Path) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - start) * 1000)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "config.json")
    args = parser.parse_args()
    exe = shutil.which("dockyard") or str(Path(sys.executable).parent / "dockyard")
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "compose.yaml").write_text(generate(500))
        (cwd / "conf").mkdir()
        rows = {
            "python3 -c pass": timed([sys.executable, "-c", "pass"], args.runs, cwd),
            "dockyard --help": timed([exe, "--help"], args.runs, cwd),
            "dockyard version": timed([exe, "version"], args.runs, cwd),
            "dockyard config -q (500 services)": timed([exe, "config", "-q"], args.runs, cwd),
        }
    base = statistics.median(rows["python3 -c pass"])
    print(f"{'command':<36} {'min':>8} {'median':>8} {'max':>8} {'x pass':>7}")
    figures = []
    for name, samples in rows.items():
        med = statistics.median(samples)
        print(f"{name:<36} {min(samples):8.1f} {med:8.1f} {max(samples):8.1f} {med / base:7.2f}")
        figures.append({"name": name, "unit": "ms", "min": min(samples), "median": med, "max": max(samples)})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": os.uname().nodename, "figures": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
