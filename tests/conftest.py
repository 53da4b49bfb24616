"""Test-suite wide fixtures: per-test state dirs, root-only tests, and the session-end leak check."""

from __future__ import annotations

import os

import pytest

from tests.support.eventually import eventually  # noqa: F401  (re-exported for tests)

IS_ROOT = os.geteuid() == 0


def pytest_collection_modifyitems(config, items):
    if IS_ROOT:
        return
    skip = pytest.mark.skip(reason="needs root")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def dockyard_dirs(tmp_path, monkeypatch):
    """A private DOCKYARD_ROOT / DOCKYARD_RUN pair for one test."""
    root = tmp_path / "root"
    run = tmp_path / "run"
    root.mkdir()
    run.mkdir()
    monkeypatch.setenv("DOCKYARD_ROOT", str(root))
    monkeypatch.setenv("DOCKYARD_RUN", str(run))
    monkeypatch.setenv("DOCKYARD_DNS_UPSTREAM", "none")
    return root, run
