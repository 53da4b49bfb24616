"""Root tests of ``links`` / ``volumes_from`` and of inline secrets and configs through ``dockyard up``: a busybox
image in a private store and a project dir; ``dockyard down -v`` afterwards removes the project's containers,
network and volumes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.build import busybox_tar
from tests.support.cli_run import dockyard


@pytest.fixture
def project(dockyard_dirs, tmp_path) -> Iterator[Path]:
    imported = dockyard("image", "import", str(busybox_tar()), "dybox:latest")
    assert imported.returncode == 0, imported.stderr
    path = tmp_path / "dylinks"
    path.mkdir()
    yield path
    dockyard("down", "-v", "-t", "1", cwd=path)
