"""Resident overhead per supervised container: PSS of the monitor plus the holders, divided by the containers.

Starts a monitor on a temporary job directory with N plain host processes (``sleep``) for N in 1, 10, 30, reads
``Pss`` from /proc/<pid>/smaps_rollup of the monitor and every holder, and compares with docker's containerd-shim
(3.5 MB per container, measured on this machine kind) and conmon (0.5 MB). Also records the reference points
behind the design (a lean ``python -S`` exec'd, and forked from a lean parent). Writes bench/results/monitor_pss.json.

Usage: python bench/bench_monitor_pss.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runtime.supervise import job  # noqa: E402
from runtime.supervise.holder import ensure_monitor  # noqa: E402
from tests.support.eventually import eventually  # noqa: E402
from tests.support.supervise import kill_all  # noqa: E402


def pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))


def measure(n: int) -> dict:
    directory = tempfile.mkdtemp(prefix="dybenchpss")
    try:
        for i in range(n):
            job.write_job(directory, f"c-{i}", {"argv": ["/bin/sh", "-c", "echo hello; exec sleep 1000"],
                                                "restart": "always"})
        monitor = ensure_monitor(directory)
        states = eventually(lambda: [s for s in (job.read_state(directory, f"c-{i}") for i in range(n))
                                     if s and s["status"] == "running" and s["holder"]], timeout=30)
        eventually(lambda: len([s for s in (job.read_state(directory, f"c-{i}") for i in range(n))
                                if s and s["status"] == "running"]) == n, timeout=30)
        states = [job.read_state(directory, f"c-{i}") for i in range(n)]
        time.sleep(0.5)  # let the loop settle (measurement, not a test)
        mon = pss_kb(monitor)
        holders = sum(pss_kb(s["holder"]["pid"]) for s in states)
        return {"containers": n, "monitor_pss_kb": mon, "holders_pss_kb": holders,
                "per_container_mb": round((mon + holders) / n / 1024, 3)}
    finally:
        kill_all(directory)
        subprocess.run(["rm", "-rf", directory], check=False)


def reference() -> dict:
    code = "import os,json,select,signal,time; time.sleep(3)"
    proc = subprocess.Popen([sys.executable, "-S", "-c", code])
    time.sleep(1)
    execd = pss_kb(proc.pid)
    proc.kill()
    proc.wait()
    pid = os.fork()
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    time.sleep(1)
    forked = pss_kb(pid)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return {"python_S_execd_pss_kb": execd, "forked_from_this_bench_pss_kb": forked}


def main() -> None:
    rows = [measure(n) for n in (1, 10, 30)]
    results = {"rows": rows, "reference": reference(), "docker_shim_mb": 3.5, "conmon_mb": 0.5,
               "host": {"kernel": os.uname().release, "python": sys.version.split()[0]}}
    print(f"{'containers':>10} {'monitor PSS':>12} {'holders PSS':>12} {'per container':>14}")
    for row in rows:
        print(f"{row['containers']:>10} {row['monitor_pss_kb']:>9} kB {row['holders_pss_kb']:>9} kB "
              f"{row['per_container_mb']:>11} MB")
    print("reference:", results["reference"])
    (REPO / "bench" / "results" / "monitor_pss.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
