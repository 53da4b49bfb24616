"""Build tests (root): each gets a private DOCKYARD_ROOT and a Builder; afterwards no build temp dir, mount or
cgroup may be left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from runtime.build import Builder
from runtime.images.service import ImageService
from tests.support.build import BuildRun, build_cgroups, mounts_under


@pytest.fixture
def build(dockyard_dirs) -> Iterator[BuildRun]:
    root, _run = dockyard_dirs
    images = ImageService(root)
    yield BuildRun(images, Builder(images, root))
    tmp = root / "buildcache" / "tmp"
    leaks = {"temp dirs": sorted(p.name for p in tmp.iterdir()) if tmp.exists() else [],
             "mounts": mounts_under(root), "cgroups": [str(p) for p in build_cgroups()]}
    assert leaks == {"temp dirs": [], "mounts": [], "cgroups": []}, f"build left things behind: {leaks}"


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A dir for containers that inspect built images."""
    path = tmp_path / "inspect"
    path.mkdir()
    return path
