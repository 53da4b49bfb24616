"""A project of N idle busybox services that obey SIGTERM, shared by the bench scripts that time verbs on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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


def workspace(script: str, compose_yaml: str) -> tuple[str, Path, Path]:
    """As root: a private DOCKYARD_ROOT/RUN (set in this process's environment) and a project dir holding
    ``compose_yaml``; returns (dockyard executable, temp dir, project dir)."""
    if os.geteuid() != 0:
        raise SystemExit(f"{script} needs root (it runs a real stack)")
    exe = shutil.which("dockyard") or str(Path(sys.executable).parent / "dockyard")
    tmp = Path(tempfile.mkdtemp(prefix=f"dy-{script.replace('_', '-')}-"))
    os.environ.update(DOCKYARD_ROOT=str(tmp / "root"), DOCKYARD_RUN=str(tmp / "run"), DOCKYARD_DNS_UPSTREAM="none")
    cwd = tmp / "project"
    cwd.mkdir()
    (cwd / "compose.yaml").write_text(compose_yaml)
    return exe, tmp, cwd
