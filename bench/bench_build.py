"""Build speed: a 10-step Dockerfile (FROM scratch + ADD a busybox rootfs, RUNs, COPYs, WORKDIR, ENV, CMD) built
cold, then rebuilt unchanged with a warm cache. Goal: the warm rebuild costs under 0.5 s beyond start-up.

Run (root): ``.venv/bin/python bench/bench_build.py [--runs 5]``. Each build runs in a fresh Python process, as
``dockyard build`` would; "start-up" is the same process importing the builder and opening the store without
building. "Work beyond start-up" is the time from an opened store to a stored, tagged image, measured inside
the build process (the wall-time difference of whole processes is also recorded, but on a loaded machine it is
noise-dominated). Prints a table and writes
``bench/results/build.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench" / "results" / "build.json"

DOCKERFILE = """\
FROM scratch
ADD rootfs.tar /
RUN mkdir -p /app/data && echo seeded > /app/data/seed
RUN for i in 1 2 3 4 5; do echo line $i >> /app/data/lines; done
COPY app/ /app/src/
RUN cat /app/src/*.txt > /app/data/all && rm /app/data/seed
COPY config.ini /etc/app/
WORKDIR /app
ENV APP_MODE=bench
RUN ls -R /app > /app/listing
CMD ["cat", "/app/listing"]
"""

CHILD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from runtime.build import Builder, BuildRequest
from runtime.images.service import ImageService
root, ctx, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
images = ImageService(root)
builder = Builder(images, root)
t1 = time.perf_counter()
if mode == "build":
    events = []
    builder.build(BuildRequest(ctx, tags=("bench:latest",)), progress=events.append)
    print(sum(e.kind == "cached" for e in events), sum(e.kind == "done" for e in events))
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""


def make_context(path: Path) -> None:
    from tests.support.build import write_context
    files = {f"app/f{i}.txt": f"file {i}\n" * 50 for i in range(20)}
    files["config.ini"] = "[bench]\nmode = 1\n"
    write_context(path, DOCKERFILE, files)


def child(root: Path, ctx: Path, mode: str) -> tuple[float, float, float, list[int]]:
    """(process wall s, import+open s, build s, [cached, built]) of one fresh process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(ctx), mode], check=True, cwd=REPO,
                         capture_output=True, text=True).stdout.split("\n")
    wall = time.perf_counter() - start
    setup, work = (float(x) for x in out[-2].split())
    counts = [int(x) for x in out[0].split()] if mode == "build" else []
    return wall, setup, work, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_build needs root (RUN steps start containers)")
    base = Path(tempfile.mkdtemp(prefix="dy-bench-build-"))
    try:
        ctx = base / "ctx"
        make_context(ctx)
        colds, warms, startups = [], [], []
        for run in range(args.runs):
            root = base / f"root{run}"
            colds.append(child(root, ctx, "build"))
            warms.append(child(root, ctx, "build"))
            startups.append(child(root, ctx, "startup"))
        result = summarise(colds, warms, startups, args.runs)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print_table(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"results": [result]}, indent=2) + "\n")


def summarise(colds: list, warms: list, startups: list, runs: int) -> dict:
    med = lambda xs: round(statistics.median(xs), 3)  # noqa: E731
    startup = med([s[0] for s in startups])
    warm_wall = med([w[0] for w in warms])
    return {
        "steps": 10, "runs": runs,
        "cold_wall_s": med([c[0] for c in colds]), "cold_build_s": med([c[2] for c in colds]),
        "cold_built_steps": colds[0][3][1],
        "warm_wall_s": warm_wall, "warm_build_s": med([w[2] for w in warms]),
        "warm_cached_steps": warms[0][3][0], "warm_built_steps": warms[0][3][1],
        "startup_wall_s": startup, "warm_wall_minus_startup_s": round(warm_wall - startup, 3),
        "warm_work_beyond_startup_s": med([w[2] for w in warms]),
        "goal_s": 0.5, "goal_met": med([w[2] for w in warms]) < 0.5,
        "warm_all": [round(w[0], 3) for w in warms], "startup_all": [round(s[0], 3) for s in startups],
        "python": platform.python_version(), "cpus": os.cpu_count(), "kernel": platform.release(),
        "load_avg": os.getloadavg()[0],
    }


def print_table(r: dict) -> None:
    rows = [("cold build (process wall)", r["cold_wall_s"], f"{r['cold_built_steps']} steps built"),
            ("cold build (in-process)", r["cold_build_s"], ""),
            ("warm rebuild (process wall)", r["warm_wall_s"],
             f"{r['warm_cached_steps']} cached, {r['warm_built_steps']} built"),
            ("warm rebuild (in-process)", r["warm_build_s"], ""),
            ("start-up only (process wall)", r["startup_wall_s"], "import + open store"),
            ("warm wall - start-up wall", r["warm_wall_minus_startup_s"], "noisy under load"),
            ("warm work beyond start-up", r["warm_work_beyond_startup_s"],
             f"goal < {r['goal_s']} s: {'met' if r['goal_met'] else 'NOT met'}")]
    print(f"{'measure':32} {'seconds':>8}  note")
    for name, value, note in rows:
        print(f"{name:32} {value:8.3f}  {note}")


if __name__ == "__main__":
    main()
