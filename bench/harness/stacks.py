"""Compose files the figures use, written for dockyard and docker-compose v1 / podman-compose alike.

Every service's PID 1 is ``sh`` with a TERM trap around a backgrounded sleep: a bare ``sleep`` as PID 1 ignores
SIGTERM and every ``down`` would wait out the stop timeout, for every engine.
"""

from __future__ import annotations

from pathlib import Path

IMAGE = "localbox:latest"
IDLE = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
HTTPD = ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /tmp/www; httpd -f -p 8080 -h /tmp/www & wait"]


def _command(argv: list[str]) -> str:
    return "[" + ", ".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in argv) + "]"


def flat(n: int, prefix: str = "f") -> str:
    """``n`` independent idle services."""
    lines = ["services:"]
    for i in range(1, n + 1):
        lines += [f"  {prefix}{i:03d}:", f"    image: {IMAGE}", f"    command: {_command(IDLE)}"]
    return "\n".join(lines) + "\n"


def chain(n: int) -> str:
    """``n`` services s001 <- s002 <- ... ; s001 has a 1 s healthcheck and s002 waits for it to be healthy."""
    lines = ["services:"]
    for i in range(1, n + 1):
        lines += [f"  s{i:03d}:", f"    image: {IMAGE}", f"    command: {_command(HTTPD if i == 1 else IDLE)}"]
        if i == 1:
            lines += ["    healthcheck:", '      test: ["CMD", "true"]', "      interval: 1s", "      timeout: 1s",
                      "      retries: 3"]
        elif i == 2:
            lines += ["    depends_on:", "      s001:", "        condition: service_healthy"]
        else:
            lines += ["    depends_on:", f"      - s{i - 1:03d}"]
    return "\n".join(lines) + "\n"


def write_stack(directory: Path, name: str, n: int, kind: str = "flat") -> Path:
    """Write ``<directory>/<name>.yml`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yml"
    path.write_text(flat(n) if kind == "flat" else chain(n))
    return path
