"""DNS responder load: queries per second and latency percentiles on a 30-name network, from a second process.

Run as root from the repo: ``.venv/bin/python bench/bench_dns.py [--seconds 5] [--window 4]``.
Creates a network with 30 attached netns "containers" (service names web0..web29), then runs a load generator
inside one of them (a separate process) that keeps ``window`` UDP queries in flight against the gateway and
records every latency. The client is kept lean (one syscall per send and per recv, queries packed once) so that it
is not the bottleneck of what it measures. Writes bench/results/dns.json. Goal: >= 5000 qps with p99 < 5 ms.
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

# A blocking socket with a kernel receive timeout (SO_RCVTIMEO): one syscall per send and per recv. A Python-level
# timeout (settimeout) would add a poll() before each of them, and the client would cost more CPU per query than
# the responder it measures. Each name's query is packed once; only the id changes.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((server, 53))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 1, 0))
bodies = [query(0, n)[2:] for n in names]
ID = struct.Struct("!H")
now = time.perf_counter
sent, lat, errors, qid = {}, [], 0, 0
end = now() + seconds
start = now()
while now() < end or sent:
    while len(sent) < window and now() < end:
        qid = (qid + 1) & 0xFFFF
        sent[qid] = now()
        s.send(ID.pack(qid) + bodies[qid % len(bodies)])
    try:
        data = s.recv(512)
    except BlockingIOError:  # SO_RCVTIMEO expired: count what is in flight as lost
        errors += len(sent); sent.clear(); continue
    t0 = sent.pop(ID.unpack_from(data)[0], None)
    if t0 is None:
        continue
    if data[3] & 0x0F or ID.unpack_from(data, 6)[0] == 0:
        errors += 1
    lat.append(now() - t0)
elapsed = now() - start
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
