"""Run the real `dockyard` CLI as a subprocess (``python -m compose.cli``) for root tests of CLI verbs.

DOCKYARD_ROOT / DOCKYARD_RUN come from the environment (the ``dockyard_dirs`` fixture sets them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO


def dockyard(*args: str, cwd: Path | str | None = None, timeout: float = 180, text: bool = True,
             input: str | None = None) -> subprocess.CompletedProcess:
    """``dockyard *args`` in ``cwd``; stdout and stderr captured (as text unless ``text`` is False), colour off;
    ``input`` is its stdin (else it has none: /dev/null)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "compose.cli", *args], cwd=cwd, capture_output=True, text=text,
                          timeout=timeout, env=env, check=False, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)
