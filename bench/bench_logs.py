"""Log throughput: write N lines with dockyard's json-file writer, then time reading them all back to /dev/null
(``copy_logs``, what ``dockyard logs`` does), beside ``cat`` of the raw files as a floor and ``docker logs`` of the
same output when a docker daemon and an image with ``seq`` are available (``--docker-image busybox``).
Prints a table; writes bench/results/logs.json.

Usage: python bench/bench_logs.py [-n 1000000] [--repeat 5] [--docker-image IMAGE]
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runtime.supervise.logread import copy_logs, log_files, read_logs  # noqa: E402
from runtime.supervise.logs import LogOptions, LogWriter  # noqa: E402

LINE = "192.0.2.{i} - - GET /static/app.js HTTP/1.1 200 5120 \"curl/8.0\" request={i}\n"


def write_lines(path: Path, n: int) -> float:
    writer = LogWriter(path, LogOptions.build(None, {"max-size": "1g", "max-file": 2}))
    t = time.perf_counter()
    batch = []
    for i in range(n):
        batch.append(LINE.format(i=i))
        if len(batch) == 64:  # a pipe read returns many lines at once
            writer.write("stdout", "".join(batch).encode())
            batch.clear()
    writer.write("stdout", "".join(batch).encode())
    writer.close()
    return time.perf_counter() - t


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def read_all(path: Path, **kw) -> None:
    with open(os.devnull, "wb") as sink:
        copy_logs(path, sink, **kw)


def cat(path: Path) -> None:
    subprocess.run(["cat", *log_files(path)], stdout=subprocess.DEVNULL, check=True)


def docker_logs(image: str | None, n: int, repeat: int) -> list[float] | str:
    if not image or not shutil.which("docker"):
        return "not measured: pass --docker-image and run a docker daemon"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "not measured: docker daemon not running on this host"
    name = f"dybenchlogs{os.getpid()}"
    subprocess.run(["docker", "run", "--name", name, image, "seq", str(n)], stdout=subprocess.DEVNULL, check=True)
    try:
        return timed(lambda: subprocess.run(["docker", "logs", name], stdout=subprocess.DEVNULL, check=True), repeat)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def stats(samples: list[float]) -> dict:
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples), "n": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--docker-image")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dybenchlogs"))
    try:
        path = work / "c-json.log"
        write_s = write_lines(path, args.n)
        size = sum(os.path.getsize(f) for f in log_files(path))
        results = {
            "lines": args.n, "bytes": size, "write_s": write_s,
            "dockyard_copy_logs": stats(timed(lambda: read_all(path), args.repeat)),
            "dockyard_copy_logs_timestamps": stats(timed(lambda: read_all(path, timestamps=True), args.repeat)),
            "dockyard_tail_10": stats(timed(lambda: read_all(path, tail=10), args.repeat)),
            "dockyard_read_entries": stats(timed(lambda: sum(1 for _ in read_logs(path)), 1)),
            "cat_floor": stats(timed(lambda: cat(path), args.repeat)),
        }
        docker = docker_logs(args.docker_image, args.n, args.repeat)
        results["docker_logs"] = stats(docker) if isinstance(docker, list) else docker
        results["host"] = {"kernel": os.uname().release, "python": sys.version.split()[0]}
    finally:
        shutil.rmtree(work)
    print(f"{'what':34} {'median':>10} {'min':>10}")
    for key, value in results.items():
        if isinstance(value, dict) and "median_s" in value:
            print(f"{key:34} {value['median_s']:9.3f}s {value['min_s']:9.3f}s")
        elif key != "host":
            print(f"{key:34} {value}")
    out = REPO / "bench" / "results" / "logs.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
