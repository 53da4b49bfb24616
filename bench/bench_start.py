"""Start+exit latency of `true` in a busybox rootfs: dockyard's launcher vs `runc run` and `crun run` on the same
rootfs, plus `unshare ... true` as the floor. Runs are interleaved round by round.
Prints a median/min/max table and the ratios; writes bench/results/start.json.

crun 1.8 refuses this host's cgroup layout (v1 hybrid with hugetlb left on cgroup2). For crun's run only, hugetlb is
bound to a v1 hierarchy seen from a private mount namespace, and put back before the round goes on (bench/hugetlb.py):
dockyard, runc and the floor always run in the machine's own layout. If the layout cannot be restored the script says
so on stderr and in the JSON ("hugetlb") and exits 3.

Usage (root): python bench/bench_start.py [-n 50]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import hugetlb  # noqa: E402
from runtime.process import launcher  # noqa: E402
from runtime.spec import ContainerSpec, ProcessSpec, RootfsSpec  # noqa: E402
from tests.support.busybox import build_rootfs  # noqa: E402

EXIT_LAYOUT_NOT_RESTORED = 3


def time_dockyard(rootfs: Path, work: Path, i: int) -> float:
    cdir = work / f"c{i}"
    spec = ContainerSpec(id=f"dybench{os.getpid()}{i + 1:06d}", rootfs=RootfsSpec((str(rootfs),), str(cdir)),
                         process=ProcessSpec(args=("true",)))
    t = time.perf_counter()
    try:
        code = launcher.run(spec)
    except BaseException:  # interrupted mid-start: the launcher may not have removed the cgroups yet
        _rmdir_cgroups(f"*/dockyard/{spec.id}")
        raise
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


def _failed(tool: str, text: str) -> str:
    return f"{tool} run failed: {text.strip().splitlines()[-1:]}"


def _delete(tool: str, name: str) -> None:
    """Remove what a failed or interrupted ``run`` of our container ``name`` left: its state dir and cgroups."""
    with hugetlb.signals_held():
        subprocess.run([tool, "delete", "-f", name], capture_output=True, stdin=subprocess.DEVNULL, check=False)
        shutil.rmtree(Path("/run", tool, name), ignore_errors=True)  # killed before its state.json was written
    _rmdir_cgroups(f"*/{name}")


def _rmdir_cgroups(pattern: str, timeout: float = 3.0) -> None:
    """rmdir our container's cgroups (``pattern`` under /sys/fs/cgroup names only ours), killing what is still in
    them (an interrupted runtime's init process, by PID); one still busy after ``timeout`` stays."""
    with hugetlb.signals_held():
        for cgroup in Path(hugetlb.CGROUP_ROOT).glob(pattern):
            hugetlb.wait_until(lambda c=cgroup: _try_rmdir(c), timeout, step=0.02)


def _try_rmdir(cgroup: Path) -> bool:
    with contextlib.suppress(OSError):
        for pid in (cgroup / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    try:
        cgroup.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def time_oci(tool: str, bundle: Path, i: int) -> float | str:
    name = f"dybench-{tool}-{os.getpid()}-{i}"
    t = time.perf_counter()
    try:
        proc = subprocess.run([tool, "run", "-b", str(bundle), name],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    except BaseException:
        _delete(tool, name)
        raise
    took = time.perf_counter() - t
    if proc.returncode != 0:
        _delete(tool, name)
        return _failed(tool, proc.stderr or proc.stdout)
    return took


def time_crun_switched(bundle: Path, i: int, stage: Path) -> float | str:
    """``crun run`` with hugetlb bound to v1 for this one run; the layout is back when this returns (or raises)."""
    name = f"dybench-crun-{os.getpid()}-{i}"
    res = hugetlb.run_switched(["crun", "run", "-b", str(bundle), name], stage, cleanup=lambda: _delete("crun", name))
    if res.problem:
        return f"crun run with hugetlb on v1: {res.problem}"
    if res.returncode != 0 or res.seconds is None:
        return _failed("crun", res.output or f"exit {res.returncode}") + " (with hugetlb on v1)"
    return res.seconds


def oci_timers(rootfs: Path, work: Path, switch_for_crun: bool,
               results: dict[str, object]) -> dict[str, Callable[[int], float | str]]:
    """One timer per installed OCI runtime (bundle made here); a missing one is noted in ``results``."""
    timers: dict[str, Callable[[int], float | str]] = {}
    for tool in ("runc", "crun"):
        if shutil.which(tool) is None:
            results[tool] = "not installed"
            continue
        bundle = work / f"bundle-{tool}"
        make_bundle(tool, rootfs, bundle)
        if tool == "crun" and switch_for_crun:
            timers[tool] = lambda i, b=bundle: time_crun_switched(b, i, work / "hugetlb-stage")
        else:
            timers[tool] = lambda i, t=tool, b=bundle: time_oci(t, b, i)
    return timers


def run_interleaved(rootfs: Path, work: Path, n: int, switch_for_crun: bool) -> dict[str, object]:
    """One run of each runtime per round, so load changes on a shared machine hit all of them alike."""
    results: dict[str, object] = {}
    timers = oci_timers(rootfs, work, switch_for_crun, results)
    samples: dict[str, list[float]] = {"dockyard": [], **{t: [] for t in timers}, "unshare-floor": []}
    time_dockyard(rootfs, work, -1)  # warm-up: seccomp compile, library loading
    for i in range(n):
        samples["dockyard"].append(time_dockyard(rootfs, work, i))
        samples["unshare-floor"].append(time_floor())
        for tool, timer in list(timers.items()):
            res = timer(i)  # crun last: its layout switch is undone before the next round's dockyard run
            if isinstance(res, str):
                results[tool] = res
                del timers[tool], samples[tool]
            else:
                samples[tool].append(res)
    results.update({name: summary(s) for name, s in samples.items()})
    return results


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "n": len(ms)}


def _interrupted(signum: int, _frame) -> None:
    """The first Ctrl-C or SIGTERM starts the teardown; later ones are ignored so that it can finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def layout_report(before: hugetlb.HugetlbState, switched: bool, stage: Path, error: str | None) -> dict:
    """Make sure hugetlb is where it was (repairing if needed) and describe before/after for the JSON."""
    if switched:
        try:
            hugetlb.restore(stage)
        except hugetlb.HugetlbNotRestored as exc:
            error = error or str(exc)
    after = hugetlb.read_state()
    if switched and not after.on_cgroup2:
        error = error or f"hugetlb is not back on cgroup2: {after.describe()}"
    return {"before": before.describe(), "after": after.describe(), "switched_for_crun": switched,
            "restored": error is None, "error": error}


def print_table(results: dict[str, object]) -> None:
    print(f"{'runtime':14} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, r in sorted(results.items(), key=lambda kv: kv[0] != "dockyard"):
        if isinstance(r, dict) and "median_ms" in r:
            print(f"{name:14} {r['median_ms']:10.2f} {r['min_ms']:8.2f} {r['max_ms']:8.2f}")
        elif isinstance(r, str):
            print(f"{name:14} {r}")
    dy = results.get("dockyard")
    for tool, goal in (("runc", "goal <= 0.5"), ("crun", "recorded; the issue aims at crun's")):
        other = results.get(tool)
        if isinstance(dy, dict) and isinstance(other, dict):
            ratio = dy["median_ms"] / other["median_ms"]
            results[f"ratio_dockyard_to_{tool}"] = ratio
            print(f"dockyard / {tool} median ratio: {ratio:.2f} ({goal})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "start.json"))
    args = ap.parse_args()
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    before = hugetlb.read_state()
    switch = hugetlb.needs_switch(before) and shutil.which("crun") is not None
    work = Path(tempfile.mkdtemp(prefix="dy-bench-"))
    results: dict[str, object] = {}
    error = None
    try:
        rootfs = build_rootfs(work / "rootfs")
        results = run_interleaved(rootfs, work, args.n, switch)
    except hugetlb.HugetlbNotRestored as exc:
        error = str(exc)
    finally:
        with hugetlb.signals_held():
            results["hugetlb"] = layout_report(before, switch, work / "hugetlb-stage", error)
            shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    layout = results["hugetlb"]
    print(f"cgroup layout: before: {layout['before']}; after: {layout['after']}")  # type: ignore[index]
    results["host"] = {"kernel": os.uname().release, "python": sys.version.split()[0], "cpus": os.cpu_count(),
                       "loadavg_after": os.getloadavg()}
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if not layout["restored"]:  # type: ignore[index]
        bar = "!" * 100
        print(f"{bar}\nERROR: the host's cgroup layout was NOT restored: {layout['error']}\n{bar}",  # type: ignore
              file=sys.stderr)
        return EXIT_LAYOUT_NOT_RESTORED
    return 0


if __name__ == "__main__":
    sys.exit(main())
