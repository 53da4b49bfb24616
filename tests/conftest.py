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


# --- session-end leak check -------------------------------------------------------------------------------------
# Everything dockyard or a test creates on the host (dy* links and netns, mounts, dockyard cgroups, dy nft tables,
# monitor/DNS/registry processes) must be gone when the run ends; otherwise the run fails and says what is left.

_BEFORE = None


_SESSION_DIRS: list[str] = []


def _private_default_dirs() -> None:
    """No test may touch the host's real /var/lib/dockyard or /run/dockyard: unless a test sets its own pair
    (dockyard_dirs, e2e fixtures), everything defaults to a private directory removed at the end of the run."""
    import tempfile

    for var in ("DOCKYARD_ROOT", "DOCKYARD_RUN"):
        if not os.environ.get(var):
            path = tempfile.mkdtemp(prefix=f"dy-tests-{var[9:].lower()}-")
            _SESSION_DIRS.append(path)
            os.environ[var] = path


def pytest_sessionstart(session):
    global _BEFORE
    _private_default_dirs()
    if IS_ROOT:
        from tests.support.leaks import snapshot

        _BEFORE = snapshot()


def pytest_sessionfinish(session, exitstatus):
    import shutil

    for path in _SESSION_DIRS:
        shutil.rmtree(path, ignore_errors=True)
    if _BEFORE is None or os.environ.get("DOCKYARD_SKIP_LEAK_CHECK"):
        return
    from tests.support.eventually import eventually
    from tests.support.leaks import snapshot

    def settled():
        return not snapshot().new_since(_BEFORE)

    try:
        eventually(settled, timeout=5)
        return
    except AssertionError:
        leaks = snapshot().new_since(_BEFORE)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"  {kind}: {item}" for kind, items in leaks.items() for item in items]
    text = "LEAK CHECK FAILED: the test run left these on the host:\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_line(text, red=True)
    session.exitstatus = 1
