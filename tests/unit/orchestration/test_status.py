"""How containers read in ps: Docker's status words and durations."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from compose.status import human_duration, parse_time, status_text
from runtime import ContainerInfo, HealthInfo

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def info(state: str, **kw) -> ContainerInfo:
    return ContainerInfo(id="a" * 64, name="p-s-1", image="x", image_id="", command=("sh",), labels=(),
                         state=state, created="2026-01-01T11:00:00Z", **kw)


@pytest.mark.parametrize("seconds, text", [
    (0.5, "Less than a second"), (1, "1 second"), (42, "42 seconds"), (90, "About a minute"),
    (600, "10 minutes"), (3600, "About an hour"), (5 * 3600, "5 hours"), (3 * 86400, "3 days"),
])
def test_human_durations_read_like_dockers(seconds, text):
    assert human_duration(seconds) == text


def test_nanosecond_timestamps_parse():
    assert parse_time("2026-01-01T11:59:58.123456789Z") == datetime(2026, 1, 1, 11, 59, 58, 123456, timezone.utc)


def test_running_with_health():
    text = status_text(info("running", started_at="2026-01-01T11:58:00Z", health=HealthInfo("healthy")), NOW)
    assert text == "Up 2 minutes (healthy)"


def test_starting_health_reads_health_starting():
    text = status_text(info("running", started_at="2026-01-01T11:59:30Z", health=HealthInfo("starting")), NOW)
    assert text == "Up 30 seconds (health: starting)"


def test_exited_shows_the_code_and_how_long_ago():
    assert status_text(info("exited", exit_code=1, finished_at="2026-01-01T11:59:50Z"), NOW) == "Exited (1) 10 seconds ago"


def test_restart_count_is_shown_when_nonzero():
    text = status_text(info("running", started_at="2026-01-01T11:59:50Z", restart_count=3), NOW)
    assert text == "Up 10 seconds, 3 restarts"


def test_created_and_paused():
    assert status_text(info("created"), NOW) == "Created"
    assert status_text(info("paused", started_at="2026-01-01T11:00:00Z"), NOW) == "Up About an hour (Paused)"
