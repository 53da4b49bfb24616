"""DNS responder load: queries per second and latency percentiles on a 30-name network, from a second process.

Run as root from the repo: ``.venv/bin/python bench/bench_dns.py [--seconds 5] [--window 4]``.
Creates a network with 30 attached netns "containers" (service names web0..web29), then runs a load generator
inside one of them (a separate process) that keeps ``window`` UDP queries in flight against the gateway and
records every latency. Writes bench/results/dns.json. Goal: >= 5000 qps with p99 < 5 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runtime.network import dnsctl  # noqa: E402
from runtime.network.service import NetworkService  # noqa: E402
from runtime.network.spec import NetworkSpec  # noqa: E402
from tests.support import netns as nsup  # noqa: E402

LOAD = r"""
import json, os, socket, struct, sys, time
server, seconds, window, names = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(",")

def query(qid, name):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((server, 53)); s.settimeout(1.0)
sent, lat, errors, qid = {}, [], 0, 0
end = time.perf_counter() + seconds
start = time.perf_counter()
while time.perf_counter() < end or sent:
    while len(sent) < window and time.perf_counter() < end:
        qid = (qid + 1) & 0xFFFF
        sent[qid] = time.perf_counter()
        s.send(query(qid, names[qid % len(names)]))
    try:
        data = s.recv(512)
    except socket.timeout:
        errors += len(sent); sent.clear(); continue
    rid = struct.unpack("!H", data[:2])[0]
    t0 = sent.pop(rid, None)
    if t0 is None:
        continue
    if data[3] & 0x0F or struct.unpack("!H", data[6:8])[0] == 0:
        errors += 1
    lat.append(time.perf_counter() - t0)
elapsed = time.perf_counter() - start
print(json.dumps({"answered": len(lat), "errors": errors, "elapsed": elapsed, "lat": lat}))
"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--names", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dy-bench-dns-"))
    os.environ["DOCKYARD_DNS_UPSTREAM"] = "none"
    forward_before = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()
    svc = NetworkService(tmp / "root", tmp / "run")
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        info = svc.create_network(NetworkSpec("bench_default"))
        stack.callback(lambda: (svc.prune(), dnsctl.stop(tmp / "run"),
                                Path("/proc/sys/net/ipv4/ip_forward").write_text(forward_before)))
        spaces = [stack.enter_context(nsup.netns("b")) for _ in range(args.names)]
        for i, ns in enumerate(spaces):
            cid = f"{i:02d}".ljust(64, "e")
            svc.connect(cid, ns.path, "bench_default", aliases=[f"bench-web{i}-1", f"web{i}"])
            stack.callback(svc.disconnect, cid, "bench_default")
        names = ",".join(f"web{i}" for i in range(args.names))
        proc = spaces[0].exec([sys.executable, "-c", LOAD, info.gateway, str(args.seconds), str(args.window), names],
                              timeout=args.seconds + 60)
        raw = json.loads(proc.stdout)
    lat = raw.pop("lat")
    result = {
        "benchmark": "dns", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "names": args.names, "window": args.window, "seconds": round(raw["elapsed"], 3),
        "answered": raw["answered"], "errors": raw["errors"], "qps": round(raw["answered"] / raw["elapsed"]),
        "p50_ms": round(pct(lat, 0.50), 3), "p99_ms": round(pct(lat, 0.99), 3), "max_ms": round(max(lat) * 1000, 3),
        "goal": {"qps": 5000, "p99_ms": 5.0},
    }
    result["goal_met"] = result["qps"] >= 5000 and result["p99_ms"] < 5.0 and result["errors"] == 0
    out = REPO / "bench" / "results" / "dns.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
