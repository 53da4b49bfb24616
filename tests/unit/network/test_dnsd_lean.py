"""The responder's entry point stays lean: it never loads the compose stack, netlink or HTTP libraries."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO

HEAVY = ("compose", "yaml", "jsonschema", "networkx", "typer", "rich", "pyroute2", "httpx")


def test_dnsd_imports_only_the_responder():
    code = "import sys, runtime.network.dnsd; print(' '.join(sorted(sys.modules)))"
    mods = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    loaded = sorted({m.split(".")[0] for m in mods} & set(HEAVY))
    assert loaded == []
    assert "dnslib" in {m.split(".")[0] for m in mods}
