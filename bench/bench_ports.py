"""Published-port throughput: kernel NAT (what ports.py does) vs a userland proxy vs the container IP directly.

Run as root from the repo: ``.venv/bin/python bench/bench_ports.py [--megabytes 512] [--rounds 5]``.
A sink in a netns "container" counts bytes; the host sends ``megabytes`` to (a) the container IP, (b) the
published port on 127.0.0.1 (nftables DNAT), (c) a threaded Python proxy on 127.0.0.1 (the userland alternative).
Writes bench/results/ports.json with the median MB/s of each and the ratios to direct. Goal: NAT >= 0.8x direct.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from runtime.network import dnsctl  # noqa: E402
from runtime.network.service import NetworkService  # noqa: E402
from runtime.network.spec import NetworkSpec, PortSpec  # noqa: E402
from tests.support import netns as nsup  # noqa: E402

SINK = r"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 9000)); s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    n, buf = 0, memoryview(bytearray(4 << 20))
    while got := c.recv_into(buf):
        n += got
    c.sendall(str(n).encode()); c.close()
"""


def payload(directory: Path, megabytes: int) -> Path:
    """A file of ``megabytes`` zeros in tmpfs, sent with sendfile: the kernel moves the bytes, so the figure is
    the network path's, not the Python sender's."""
    path = directory / "payload"
    with path.open("wb") as fh:
        fh.truncate(megabytes << 20)
    return path


def send(host: str, port: int, megabytes: int, source: Path) -> float:
    """MB/s for pushing ``megabytes`` to host:port and reading the sink's byte count back."""
    t0 = time.perf_counter()
    with socket.create_connection((host, port), timeout=30) as s, source.open("rb") as fh:
        s.sendfile(fh)
        s.shutdown(socket.SHUT_WR)
        got = int(s.recv(64))
    elapsed = time.perf_counter() - t0
    assert got == megabytes << 20, got
    return megabytes / elapsed


def proxy(target: tuple[str, int]) -> int:
    """A minimal threaded userland TCP proxy on 127.0.0.1 (what a proxy-based design would run per port)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    def pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(1 << 20):
                b.sendall(data)
            b.shutdown(socket.SHUT_WR)

    def serve() -> None:
        while True:
            c, _ = lsock.accept()
            u = socket.create_connection(target)
            threading.Thread(target=pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=pipe, args=(u, c), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return lsock.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--megabytes", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dy-bench-ports-"))
    shm = Path(tempfile.mkdtemp(prefix="dy-bench-ports-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    os.environ["DOCKYARD_DNS_UPSTREAM"] = "none"
    fwd = Path("/proc/sys/net/ipv4/ip_forward")
    before = fwd.read_text().strip()
    svc = NetworkService(tmp / "root", tmp / "run")
    runs: dict[str, list[float]] = {"direct": [], "kernel_nat": [], "userland_proxy": []}
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        stack.callback(shutil.rmtree, shm, True)
        source = payload(shm, args.megabytes)
        svc.create_network(NetworkSpec("bench_default"))
        stack.callback(lambda: (svc.prune(), dnsctl.stop(tmp / "run"), fwd.write_text(before)))
        ns = stack.enter_context(nsup.netns("b"))
        cid = "p" * 64
        ep = svc.connect(cid, ns.path, "bench_default", aliases=["bench-sink-1", "sink"])
        stack.callback(svc.disconnect, cid, "bench_default")
        ns.procs.append(subprocess.Popen(
            ["ip", "netns", "exec", ns.name, sys.executable, "-c", SINK], stdout=-1, text=True))
        assert ns.procs[-1].stdout.readline().strip() == "ready"
        (pub,) = svc.publish(cid, "bench_default", [PortSpec(9000, 0, "tcp", "127.0.0.1")])
        pport = proxy((ep.ipv4_address, 9000))
        targets = {"direct": (ep.ipv4_address, 9000), "kernel_nat": ("127.0.0.1", pub.host_port),
                   "userland_proxy": ("127.0.0.1", pport)}
        for i in range(args.rounds):  # alternate the order so that no target always runs first
            order = list(targets.items()) if i % 2 == 0 else list(reversed(targets.items()))
            for name, (host, port) in order:
                runs[name].append(send(host, port, args.megabytes, source))
    med = {k: round(statistics.median(v), 1) for k, v in runs.items()}
    paired = [d / p for d, p in zip(runs["direct"], runs["kernel_nat"])]
    result = {
        "benchmark": "published_port_tcp_throughput", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "megabytes_per_run": args.megabytes, "rounds": args.rounds, "median_MBps": med,
        "runs_MBps": {k: [round(x, 1) for x in v] for k, v in runs.items()},
        "ratio_to_direct": {k: round(v / med["direct"], 3) for k, v in med.items()},
        "direct_over_published_per_round": [round(x, 3) for x in paired],
        "direct_over_published": round(statistics.median(paired), 3),
        "chosen": "kernel_nat", "goal": {"ratio_to_direct": 0.8},
    }
    result["goal_met"] = result["ratio_to_direct"]["kernel_nat"] >= 0.8
    (REPO / "bench" / "results" / "ports.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
