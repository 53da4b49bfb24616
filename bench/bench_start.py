"""Start+exit latency of `true` in a busybox rootfs: dockyard's launcher vs `runc run` (and `crun run` if it works
on this host) on the same rootfs, plus `unshare ... true` as the floor. Runs are interleaved round by round.
Prints a median/min/max table and the ratio; writes bench/results/start.json.

Usage (root): python bench/bench_start.py [-n 50]
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

from runtime.process import launcher  # noqa: E402
from runtime.spec import ContainerSpec, ProcessSpec, RootfsSpec  # noqa: E402
from tests.support.busybox import build_rootfs  # noqa: E402


def time_dockyard(rootfs: Path, work: Path, i: int) -> float:
    cdir = work / f"c{i}"
    spec = ContainerSpec(id=f"dybench{os.getpid()}{i + 1:06d}", rootfs=RootfsSpec((str(rootfs),), str(cdir)),
                         process=ProcessSpec(args=("true",)))
    t = time.perf_counter()
    code = launcher.run(spec)
    took = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"dockyard run exited {code}")
    shutil.rmtree(cdir)
    return took


def time_floor() -> float:
    """The same namespaces with no rootfs, cgroup or security at all: util-linux unshare running /bin/true."""
    t = time.perf_counter()
    subprocess.run(["unshare", "--fork", "--pid", "--mount", "--uts", "--ipc", "--net", "true"], check=True)
    return time.perf_counter() - t


def make_bundle(tool: str, rootfs: Path, bundle: Path) -> None:
    bundle.mkdir()
    subprocess.run([tool, "spec", "--bundle", str(bundle)], check=True, capture_output=True)
    cfg = json.loads((bundle / "config.json").read_text())
    cfg["root"] = {"path": str(rootfs), "readonly": True}
    cfg["process"]["args"] = ["true"]
    cfg["process"]["terminal"] = False
    cfg["process"].pop("rlimits", None)  # this host's root cannot raise RLIMIT_NOFILE (no CAP_SYS_RESOURCE)
    (bundle / "config.json").write_text(json.dumps(cfg))


def time_oci(tool: str, bundle: Path, i: int) -> float | str:
    t = time.perf_counter()
    proc = subprocess.run([tool, "run", "-b", str(bundle), f"dybench-{tool}-{os.getpid()}-{i}"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        return f"{tool} run failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
    return took


def run_interleaved(rootfs: Path, work: Path, n: int) -> dict[str, object]:
    """One run of each runtime per round, so load changes on a shared machine hit all of them alike."""
    tools = []
    results: dict[str, object] = {}
    for tool in ("runc", "crun"):
        if shutil.which(tool) is None:
            results[tool] = "not installed"
        else:
            make_bundle(tool, rootfs, work / f"bundle-{tool}")
            tools.append(tool)
    samples: dict[str, list[float]] = {"dockyard": [], **{t: [] for t in tools}, "unshare-floor": []}
    time_dockyard(rootfs, work, -1)  # warm-up: seccomp compile, library loading
    for i in range(n):
        samples["dockyard"].append(time_dockyard(rootfs, work, i))
        samples["unshare-floor"].append(time_floor())
        for tool in list(tools):
            res = time_oci(tool, work / f"bundle-{tool}", i)
            if isinstance(res, str):
                results[tool] = res
                tools.remove(tool)
                del samples[tool]
            else:
                samples[tool].append(res)
    results.update({name: summary(s) for name, s in samples.items()})
    return results


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "n": len(ms)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "start.json"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dy-bench-"))
    try:
        rootfs = build_rootfs(work / "rootfs")
        results = run_interleaved(rootfs, work, args.n)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'runtime':14} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, r in sorted(results.items(), key=lambda kv: kv[0] != "dockyard"):
        if isinstance(r, dict):
            print(f"{name:14} {r['median_ms']:10.2f} {r['min_ms']:8.2f} {r['max_ms']:8.2f}")
        else:
            print(f"{name:14} {r}")
    runc = results.get("runc")
    if isinstance(runc, dict):
        ratio = results["dockyard"]["median_ms"] / runc["median_ms"]  # type: ignore[index]
        results["ratio_dockyard_to_runc"] = ratio
        print(f"dockyard / runc median ratio: {ratio:.2f} (goal <= 0.5)")
    results["host"] = {"kernel": os.uname().release, "python": sys.version.split()[0], "cpus": os.cpu_count(),
                       "loadavg_after": os.getloadavg()}
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
