"""Unpack speed: dockyard's unpack_layer against GNU ``tar -xzf`` on a generated ~100 MB layer of many files.

Run: ``.venv/bin/python bench/bench_unpack.py [--mb 100] [--runs 5] [--dir D ...]``. Prints a table and writes
``bench/results/unpack.json``. Both sides read a warm page cache and write to the same filesystem; runs alternate
tar/dockyard so background load hits both alike. On disk, file creation in the kernel dominates both; tmpfs shows
the CPU cost (decompression, hashing, header parsing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.images.layers import unpack_layer  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "unpack.json"


def make_tree(root: Path, total_mb: int, seed: int = 7) -> int:
    """A rootfs-like tree: many small files (most of the count), some large ones (most of the bytes)."""
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12))) for _ in range(4000)]
    budget = total_mb << 20
    count = 0
    while budget > 0:
        d = root / f"d{rng.randrange(60)}" / f"s{rng.randrange(40)}"
        d.mkdir(parents=True, exist_ok=True)
        pick = rng.random()
        size = rng.randint(100, 4096) if pick < 0.85 else rng.randint(4096, 65536) if pick < 0.995 else rng.randint(
            256 << 10, 2 << 20)
        text = b" ".join(rng.choices(words, k=size // 6 + 1))[: size // 2]
        data = text + rng.randbytes(size - len(text))  # half text, half incompressible
        (d / f"f{count}.bin").write_bytes(data)
        budget -= size
        count += 1
    return count


def _cpu() -> float:
    """CPU seconds (user + sys) of this process, all threads, plus its waited-for children (tar and its gzip)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds): CPU time is less disturbed by other load on the machine than wall time."""
    start, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - start, _cpu() - cpu


def run(mb: int, runs: int, where: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="dy-bench-", dir=where))
    try:
        src = work / "src"
        src.mkdir()
        files = make_tree(src, mb)
        layer = work / "layer.tar.gz"
        subprocess.run(["tar", "-C", str(src), "-czf", str(layer), "."], check=True)
        tar_times, dy_times, tar_cpu, dy_cpu = [], [], [], []
        for i in range(runs):
            for name, times, cpus, fn in (
                ("tar", tar_times, tar_cpu,
                 lambda d: subprocess.run(["tar", "-xzf", str(layer), "-C", str(d)], check=True)),
                ("dy", dy_times, dy_cpu, lambda d: unpack_layer(layer, d)),
            ):
                dest = work / f"{name}{i}"
                dest.mkdir()
                os.sync()
                wall, cpu = timed(lambda: fn(dest))
                times.append(wall)
                cpus.append(cpu)
                shutil.rmtree(dest)
        tar_s, dy_s = statistics.median(tar_times), statistics.median(dy_times)
        return {
            "files": files, "layer_bytes": layer.stat().st_size, "uncompressed_mb": mb, "runs": runs,
            "tar_s": round(tar_s, 3), "dockyard_s": round(dy_s, 3), "speed_ratio": round(tar_s / dy_s, 3),
            "best_ratio": round(min(tar_times) / min(dy_times), 3), "load_avg": os.getloadavg()[0],
            "tar_cpu_s": round(statistics.median(tar_cpu), 3), "dockyard_cpu_s": round(statistics.median(dy_cpu), 3),
            "cpu_ratio": round(statistics.median(tar_cpu) / statistics.median(dy_cpu), 3),
            "tar_all": [round(t, 3) for t in tar_times], "dockyard_all": [round(t, 3) for t in dy_times],
            "dir": str(work.parent), "python": platform.python_version(), "cpus": os.cpu_count(), "kernel": platform.release(),
        }
    finally:
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", action="append", default=None,
                        help="where to unpack; repeatable (default: /var/tmp on disk and /dev/shm on tmpfs)")
    args = parser.parse_args()
    results = [run(args.mb, args.runs, where) for where in (args.dir or ["/var/tmp", "/dev/shm"])]
    first = results[0]
    print(f"layer: {first['files']} files, {first['uncompressed_mb']} MB uncompressed, "
          f"{first['layer_bytes'] / 1e6:.1f} MB gzip; median of {first['runs']} interleaved runs")
    print(f"{'filesystem':<12}{'tar -xzf s':>12}{'dockyard s':>12}{'ratio':>8}{'best-of':>9}"
          f"{'tar cpu s':>11}{'dy cpu s':>10}{'cpu ratio':>11}")
    for r in results:
        print(f"{r['dir']:<12}{r['tar_s']:>12.3f}{r['dockyard_s']:>12.3f}{r['speed_ratio']:>8.2f}"
              f"{r['best_ratio']:>9.2f}{r['tar_cpu_s']:>11.3f}{r['dockyard_cpu_s']:>10.3f}{r['cpu_ratio']:>11.2f}")
    print("ratio = tar / dockyard wall time, medians (goal >= 0.8); best-of = fastest run of each;")
    print("cpu = user+sys seconds of all threads and children (less disturbed by other load on the machine)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
