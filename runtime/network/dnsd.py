"""Lean entry point of the host's DNS responder: ``python -m runtime.network.dnsd --root R --run RUN``.

Imports only the responder (dnslib + stdlib); never the compose stack. SIGHUP reloads state at once, SIGTERM stops.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
from pathlib import Path

from runtime.network import dns, records

PIDFILE = "dnsd.pid"
STATUS = "dnsd.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dockyard-dnsd")
    parser.add_argument("--root", default=os.environ.get("DOCKYARD_ROOT", "/var/lib/dockyard"))
    parser.add_argument("--run", default=os.environ.get("DOCKYARD_RUN", "/run/dockyard"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DOCKYARD_DNS_PORT", "53")))
    args = parser.parse_args(argv)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    upstreams = records.parse_upstreams(os.environ.get("DOCKYARD_DNS_UPSTREAM"))
    server = dns.Server(Path(args.root), run, upstreams, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop.set())
    signal.signal(signal.SIGINT, lambda *_: server.stop.set())
    signal.signal(signal.SIGHUP, lambda *_: server.reload_now.set())
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.set_wakeup_fd(server.wakeup_fd(), warn_on_full_buffer=False)
    (run / PIDFILE).write_text(str(os.getpid()))
    gc.collect()
    gc.freeze()  # the start-up heap is never garbage: keeps a later full collection (4-8 ms here) off the answers
    try:
        server.serve()
    finally:
        for name in (PIDFILE, STATUS):
            with contextlib.suppress(FileNotFoundError):
                (run / name).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
