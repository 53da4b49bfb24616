"""What a fresh interpreter has in sys.modules after running a piece of code (start-up cost checks, no timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

_PROBE = """
import json, sys
{body}
print(json.dumps(sorted(sys.modules)))
"""

# ``dockyard ARGS`` through the CLI's entry function, which must exit 0 (ARGS: a Python list body, quoted).
MAIN = """
sys.argv = ["dockyard", {args}]
from compose.cli import main
try:
    main()
except SystemExit as exc:
    assert exc.code == 0, exc.code
"""


def loaded(body: str, cwd: Path | str = REPO) -> set[str]:
    """Every module name loaded after ``body`` ran in a fresh interpreter (this process's environment)."""
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(body=body)], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ), check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def packages(modules: set[str]) -> set[str]:
    """The top-level packages of ``modules``."""
    return {m.split(".")[0] for m in modules}
