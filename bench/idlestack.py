"""A project of N idle busybox services that obey SIGTERM, shared by the bench scripts that time verbs on it."""

from __future__ import annotations

import subprocess
from pathlib import Path

COMMAND = "trap 'exit 0' TERM; sleep 3600 & wait"


def compose_file(n: int, image: str, *, width: int = 0) -> str:
    """``services: svc0..svc{n-1}``, each running ``COMMAND`` in ``image`` (names zero-padded to ``width``)."""
    lines = ["services:"]
    for i in range(n):
        lines += [f"  svc{i:0{width}d}:", f"    image: {image}", f"    command: [\"sh\", \"-c\", \"{COMMAND}\"]"]
    return "\n".join(lines) + "\n"


def import_image(tmp: Path, image: str) -> None:
    """Import a busybox rootfs as ``image`` into the store of DOCKYARD_ROOT."""
    from runtime.api import Runtime
    from tests.support.runtime_api import import_busybox

    import_busybox(Runtime(), tmp, image)


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
