"""e2e fixtures: whole stacks through the real CLI (a subprocess), with the real images from Debian packages.

Each test module gets its own DOCKYARD_ROOT / DOCKYARD_RUN pair holding the four real images (hard-linked from
the session store, so it takes a fraction of a second); ``dockyard(*args, cwd=...)`` runs ``.venv/bin/dockyard``
with that environment. Every test brings its stack down with ``down -v`` in a ``finally``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.realimages import ensure_real_images, real_images  # noqa: F401  (session fixture)

DOCKYARD_BIN = REPO / ".venv" / "bin" / "dockyard"
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every e2e test needs root and a real kernel."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.root)


@dataclass(frozen=True)
class E2EEnv:
    """The private dockyard state dirs of one test module and the environment that points the CLI at them."""

    root: Path
    run: Path
    env: dict[str, str] = field(repr=False)


class CLIError(AssertionError):
    """A dockyard command exited non-zero when the test expected success."""


Runner = Callable[..., subprocess.CompletedProcess]


def _cli() -> list[str]:
    if DOCKYARD_BIN.exists():
        return [str(DOCKYARD_BIN)]
    return [sys.executable, "-m", "compose.cli"]


def run_dockyard(env: E2EEnv, *args: str, cwd: Path | str | None = None, check: bool = True,
                 timeout: float = 180, extra_env: dict[str, str] | None = None,
                 input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``dockyard *args`` as a subprocess; with ``check`` fail the test naming the command and its output."""
    proc_env = {**env.env, **(extra_env or {})}
    proc = subprocess.run([*_cli(), *args], check=False, cwd=cwd, env=proc_env, capture_output=True, text=True,
                          timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise CLIError(f"dockyard {' '.join(args)} exited {proc.returncode}\n"
                       f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def _seed_store(session_root: Path, root: Path) -> None:
    """Hard-link the session's image store into ``root`` (blobs and layers are never written in place)."""
    try:
        subprocess.run(["cp", "-al", f"{session_root}/.", str(root)], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        ensure_real_images(root)


@pytest.fixture(scope="module")
def e2e_env(real_images, tmp_path_factory) -> Iterator[E2EEnv]:  # noqa: F811
    """A private DOCKYARD_ROOT/DOCKYARD_RUN for this module with the real images in it."""
    base = tmp_path_factory.mktemp("e2e")
    root, run = base / "root", base / "run"
    run.mkdir()
    _seed_store(real_images.root, root)
    env = {**os.environ, "DOCKYARD_ROOT": str(root), "DOCKYARD_RUN": str(run), "DOCKYARD_DNS_UPSTREAM": "none",
           "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("QUICKSTART_PORT", None)
    yield E2EEnv(root, run, env)


@pytest.fixture
def dockyard(e2e_env: E2EEnv) -> Runner:
    """``dockyard(*args, cwd=..., check=True, extra_env=None)``: the real CLI against this module's state."""

    def runner(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return run_dockyard(e2e_env, *args, **kwargs)

    return runner


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
