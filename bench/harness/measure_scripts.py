"""Figures measured by the per-area scripts in bench/ (run as they are, their JSON read back).

P1a/P1c bench_start.py (launcher vs runc / crun), P7a bench_pull.py (fetch vs skopeo), P7b bench_unpack.py
(vs tar), P8 bench_logs.py (vs docker logs), P9 bench_dns.py (qps, p99), P10 bench_ports.py (published vs direct).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import hugetlb
from .figures import Outcome, Stats

BENCH = Path(__file__).resolve().parents[1]
RESULTS = BENCH / "results"


class ScriptFailed(Exception):
    pass


def run_script(name: str, args: list[str], env: dict | None = None, timeout: float = 1800,
               ok: tuple[int, ...] = (0,), grace: float = 0.0) -> None:
    """Run bench/<name>; exit codes outside ``ok`` raise ScriptFailed. On Ctrl-C, SIGTERM or timeout the script
    is killed, after ``grace`` seconds to clean up after a SIGTERM if ``grace`` > 0."""
    with subprocess.Popen([sys.executable, str(BENCH / name), *args], cwd=BENCH.parent, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            _stop(proc, grace)
            raise
    if proc.returncode not in ok:
        tail = (err or out).strip().splitlines()[-3:]
        raise ScriptFailed(f"bench/{name} exited {proc.returncode}: {' / '.join(tail)}")


def _stop(proc: subprocess.Popen, grace: float) -> None:
    if grace > 0:
        proc.terminate()
        with contextlib.suppress(BaseException):  # a timeout or a second Ctrl-C: killed below
            proc.communicate(timeout=grace)
            return
    proc.kill()
    proc.communicate()


def _ms_stats(d: dict) -> Stats:
    return Stats(d["n"], d["min_ms"], d["median_ms"], d["max_ms"])


def start(quick: bool) -> dict[str, Outcome]:
    """P1a / P1c: dockyard's launcher vs ``runc run`` / ``crun run`` on the same busybox rootfs (interleaved rounds).

    bench_start.py binds hugetlb to v1 for crun's runs only and restores it; this checks again afterwards (the script
    may have been killed mid-switch) and repairs, so the rest of the run sees the machine's own layout.
    """
    before = hugetlb.read_state()
    try:
        with tempfile.NamedTemporaryFile(prefix="dy-bench-start-", suffix=".json") as tmp:
            run_script("bench_start.py", ["-n", "20" if quick else "50", "--out", tmp.name], ok=(0, 3), grace=30)
            data = json.loads(Path(tmp.name).read_text())
    finally:
        if before.on_cgroup2 and not hugetlb.read_state().on_cgroup2:
            with hugetlb.signals_held(), tempfile.TemporaryDirectory(prefix="dy-bench-hugetlb-") as stage:
                hugetlb.restore(Path(stage) / "stage")
    return start_outcomes(data)


def start_outcomes(data: dict) -> dict[str, Outcome]:
    """bench_start.py's JSON -> P1a (vs runc) and P1c (vs crun); a layout that was not restored fails both loudly."""
    dy, runc, crun = data.get("dockyard"), data.get("runc"), data.get("crun")
    dy_stats = _ms_stats(dy) if isinstance(dy, dict) else None
    layout = data.get("hugetlb") or {}
    broken = None if layout.get("restored", True) else f"cgroup layout NOT restored: {layout.get('error')}"
    switched = " (hugetlb bound to a v1 hierarchy for crun's runs only)" if layout.get("switched_for_crun") else ""
    note = "crun: " + (f"{crun['median_ms']:.1f} ms median" if isinstance(crun, dict) else str(crun)) + switched
    floor = data.get("unshare-floor")
    if isinstance(floor, dict):
        note += f"; unshare floor {floor['median_ms']:.1f} ms"
    out = {}
    for fid, anchor in (("P1a", runc), ("P1c", crun)):
        if isinstance(anchor, dict):
            out[fid] = Outcome(dockyard_stats=dy_stats, anchor_stats=_ms_stats(anchor), reason=broken, note=note)
        else:
            tool = "runc" if fid == "P1a" else "crun"
            out[fid] = Outcome(reason=broken or f"{tool}: {anchor}", dockyard_stats=dy_stats, note=note)
    return out


def pull(quick: bool) -> Outcome:
    """P7a: dockyard's fetch (download + verify into its store) vs ``skopeo copy`` to an OCI dir (no unpack)."""
    run_script("bench_pull.py", ["--mb", "100", "--runs", "2" if quick else "5"])
    d = json.loads((RESULTS / "pull.json").read_text())
    note = (f"{d['compressed_bytes'] / 1e6:.0f} MB compressed, {d['layers']} layers; full `pull` with unpack "
            f"(dy-pull) {d['dy-pull_s']:.2f} s median")
    return Outcome(tuple(d["all"]["dy-fetch"]), tuple(d["all"]["skopeo"]), note=note)


def unpack(quick: bool) -> Outcome:
    """P7b: unpack_layer vs GNU tar -xzf, on disk (/var/tmp)."""
    run_script("bench_unpack.py", ["--mb", "100", "--runs", "3" if quick else "5", "--dir", "/var/tmp"])
    d = json.loads((RESULTS / "unpack.json").read_text())["results"][0]
    note = f"{d['files']} files; CPU seconds dockyard {d['dockyard_cpu_s']} vs tar {d['tar_cpu_s']}"
    return Outcome(tuple(d["dockyard_all"]), tuple(d["tar_all"]), note=note)


def logs(quick: bool, docker_env: dict | None) -> Outcome:
    """P8: dockyard's log reader over 1M lines vs ``docker logs`` of a container that printed the same count."""
    args = ["-n", "1000000", "--repeat", "3" if quick else "5"]
    if docker_env is not None:
        args += ["--docker-image", "localbox:latest"]
    run_script("bench_logs.py", args, env=docker_env)
    d = json.loads((RESULTS / "logs.json").read_text())
    mine = d["dockyard_copy_logs"]
    dy = Stats(mine["n"], mine["min_s"], mine["median_s"], mine["max_s"])
    docker = d.get("docker_logs")
    if not isinstance(docker, dict):
        return Outcome(reason=str(docker), dockyard_stats=dy)
    an = Stats(docker["n"], docker["min_s"], docker["median_s"], docker["max_s"])
    note = f"cat of the raw files (floor): {d['cat_floor']['median_s']:.2f} s"
    return Outcome(dockyard_stats=dy, anchor_stats=an, note=note)


def dns(quick: bool) -> dict[str, Outcome]:
    """P9: responder qps and p99 on a 30-name network (absolute figures)."""
    run_script("bench_dns.py", ["--seconds", "3" if quick else "5"])
    d = json.loads((RESULTS / "dns.json").read_text())
    reason = f"{d['errors']} queries failed" if d.get("errors") else None
    note = f"{d['answered']} answers in {d['seconds']} s, window {d['window']}, p50 {d['p50_ms']} ms"
    return {"P9a": Outcome((float(d["qps"]),), (), reason, note=note),
            "P9b": Outcome((float(d["p99_ms"]),), (), reason, note=note)}


def ports(quick: bool) -> Outcome:
    """P10: TCP MB/s through a published port vs direct to the container; ratio recorded as direct / published."""
    run_script("bench_ports.py", ["--megabytes", "256" if quick else "512", "--rounds", "5" if quick else "9"])
    d = json.loads((RESULTS / "ports.json").read_text())
    runs = d["runs_MBps"]
    med = d["median_MBps"]
    note = f"userland proxy for comparison: {med.get('userland_proxy')} MB/s"
    return Outcome(tuple(runs["kernel_nat"]), tuple(runs["direct"]),
                   ratio_override=d.get("direct_over_published", med["direct"] / med["kernel_nat"]),
                   note=note + "; ratio: median of the per-round direct / published ratios")
