"""Fixtures for the Dockerfile/build-plan specifications: a build context written from a dict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def context(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """``context({"a.txt": "x", "dir/b": "y"})`` writes the files under a fresh directory and returns it."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "ctx"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        return root

    return make
