"""A job directory per test; every process the monitor started is killed afterwards, by pid."""

from __future__ import annotations

import pytest

from tests.support.supervise import kill_all


@pytest.fixture
def jobs_dir(tmp_path):
    directory = tmp_path / "jobs"
    directory.mkdir()
    try:
        yield directory
    finally:
        kill_all(directory)
