"""Quickstart web app: counts visits in redis. Standard library only (speaks redis's RESP protocol itself)."""

import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIS = (os.environ.get("REDIS_HOST", "redis"), int(os.environ.get("REDIS_PORT", "6379")))


def redis_command(*args: str) -> bytes:
    payload = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in args
    )
    with socket.create_connection(REDIS, timeout=2) as conn:
        conn.sendall(payload)
        return conn.recv(4096)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            body = b"ok\n"
        else:
            reply = redis_command("INCR", "hits")  # b":42\r\n"
            hits = int(reply[1:].strip())
            body = f"Hello from dockyard! This page has been seen {hits} time{'' if hits == 1 else 's'}.\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.send_response(200 if self.path == "/health" else 405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt: str, *args) -> None:
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    # As PID 1 in its container, python would ignore SIGTERM (no default action for PID 1): exit on it, so
    # `dockyard stop` does not have to wait for the kill timeout.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "5000"))
    print(f"web: listening on :{port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
