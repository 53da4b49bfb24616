"""Root tests of `dockyard container ...` verbs through the real CLI, each with a private DOCKYARD_ROOT/RUN holding
a busybox image; the containers they name (dyc*) and dockyard's default network are removed afterwards."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.build import busybox_tar
from tests.support.cli_run import dockyard

NAMES = ("dyc1", "dyc2")


@pytest.fixture
def box(dockyard_dirs) -> Iterator[str]:
    """A busybox image in the store, named ``dybox:latest``."""
    imported = dockyard("image", "import", str(busybox_tar()), "dybox:latest")
    assert imported.returncode == 0, imported.stderr
    yield "dybox:latest"
    for name in NAMES:
        dockyard("container", "rm", "-f", name)
    dockyard("network", "prune", "-f")
