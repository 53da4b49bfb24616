"""pull_policy at ``up``: always, missing/if_not_present, never, build, refresh, and the refresh intervals
daily, weekly and every_<duration>, which pull again once the last pull is older than the interval."""

from __future__ import annotations

import pytest

from compose.errors import ComposeError
from compose.pulls import ensure_images, refresh_interval
from tests.support.compose_model import project
from tests.support.fake_runtime import FakeRuntime

HOUR = 3600.0
DAY = 24 * HOUR
NOW = 10_000_000.0


def stack(policy: str | None, extra: str = "") -> object:
    line = f"pull_policy: {policy}, " if policy else ""
    return project(f"services: {{web: {{image: 'nginx:1', {line}{extra}}}}}")


def runtime(pulled_ago: float | None = None, *, present: bool = True) -> FakeRuntime:
    """A runtime whose store holds nginx:1 (pulled ``pulled_ago`` seconds before NOW), or not."""
    rt = FakeRuntime()
    if present:
        rt.images.add("nginx:1")
        if pulled_ago is not None:
            rt.images.pull_times["nginx:1"] = NOW - pulled_ago
    return rt


def up(rt: FakeRuntime, policy: str | None, flag: str | None = None) -> list[str]:
    ensure_images(rt, stack(policy), flag, now=NOW)
    return rt.images.pulled


@pytest.mark.parametrize(("policy", "interval"), [
    ("daily", DAY), ("weekly", 7 * DAY), ("every_12h", 12 * HOUR), ("every_2d", 2 * DAY), ("every_1w2d", 9 * DAY),
    ("every_90m", 90 * 60.0), ("every_30s", 30.0), ("always", None), ("missing", None), (None, None),
])
def test_refresh_intervals(policy, interval):
    assert refresh_interval(policy) == interval


def test_a_malformed_interval_is_an_error_with_the_expected_form():
    with pytest.raises(ComposeError, match="every_<number><unit>"):
        refresh_interval("every_soon")


@pytest.mark.parametrize("policy", ["daily", "weekly", "every_12h"])
def test_refresh_policies_do_not_pull_an_image_pulled_recently(policy):
    assert up(runtime(pulled_ago=HOUR), policy) == []


@pytest.mark.parametrize(("policy", "age"), [("daily", 25 * HOUR), ("weekly", 8 * DAY), ("every_12h", 13 * HOUR),
                                             ("every_2d", 3 * DAY)])
def test_refresh_policies_pull_again_once_the_last_pull_is_older_than_the_interval(policy, age):
    assert up(runtime(pulled_ago=age), policy) == ["nginx:1"]


@pytest.mark.parametrize("policy", ["daily", "every_12h"])
def test_refresh_policies_pull_a_missing_image(policy):
    assert up(runtime(present=False), policy) == ["nginx:1"]


def test_refresh_policies_pull_an_image_whose_pull_time_is_unknown():
    assert up(runtime(pulled_ago=None), "daily") == ["nginx:1"]


def test_a_pull_records_the_time_that_the_next_up_compares_with():
    rt = runtime(pulled_ago=2 * DAY)
    rt.images.clock = NOW - HOUR
    assert up(rt, "daily") == ["nginx:1"]
    assert rt.images.pulled_at("nginx:1") == NOW - HOUR
    assert up(rt, "daily") == ["nginx:1"]  # not pulled a second time


@pytest.mark.parametrize("policy", ["always", "refresh"])
def test_always_pulls_even_a_fresh_image(policy):
    assert up(runtime(pulled_ago=1.0), policy) == ["nginx:1"]


@pytest.mark.parametrize("policy", ["missing", "if_not_present", None])
def test_missing_pulls_only_an_absent_image(policy):
    assert up(runtime(pulled_ago=30 * DAY), policy) == []
    assert up(runtime(present=False), policy) == ["nginx:1"]


def test_never_refuses_an_absent_image_and_never_pulls():
    assert up(runtime(pulled_ago=30 * DAY), "never") == []
    with pytest.raises(ComposeError, match="pull_policy is never"):
        up(runtime(present=False), "never")


def test_the_pull_flag_overrides_the_services_policy():
    assert up(runtime(pulled_ago=HOUR), "daily", flag="always") == ["nginx:1"]
    assert up(runtime(pulled_ago=30 * DAY), "daily", flag="missing") == []


def test_build_policy_builds_instead_of_pulling():
    rt = runtime(present=False)
    ensure_images(rt, project("services: {web: {image: 'nginx:1', pull_policy: build, build: .}}"), None, now=NOW)
    assert rt.images.pulled == [] and [tuple(b.tags) for b in rt.builds] == [("nginx:1",)]


def test_refresh_with_pull_refresh_after_uses_that_interval():
    def up_refresh(age: float) -> list[str]:
        rt = runtime(pulled_ago=age)
        text = "services: {web: {image: 'nginx:1', pull_policy: refresh, pull_refresh_after: 2d}}"
        ensure_images(rt, project(text), None, now=NOW)
        return rt.images.pulled

    assert up_refresh(DAY) == [] and up_refresh(3 * DAY) == ["nginx:1"]


def test_a_failed_refresh_keeps_the_local_image():
    rt = runtime(pulled_ago=30 * DAY)
    rt.images.pull_errors["nginx:1"] = RuntimeError("registry unreachable")
    events: list = []
    ensure_images(rt, stack("daily"), None, events.append, now=NOW)
    assert rt.images.pulled == [] and rt.has_image("nginx:1")
    assert any(e.status == "Skipped" and "using the local image" in e.detail for e in events)


def test_a_failed_pull_of_an_absent_image_is_still_an_error():
    rt = runtime(present=False)
    rt.images.pull_errors["nginx:1"] = RuntimeError("registry unreachable")
    with pytest.raises(ComposeError, match="pull nginx:1"):
        ensure_images(rt, stack("daily"), None, now=NOW)


def test_refresh_policies_do_not_rebuild_a_build_only_service():
    rt = FakeRuntime()
    rt.images.add("test-web")
    ensure_images(rt, project("services: {web: {build: ., pull_policy: daily}}"), None, now=NOW)
    assert rt.images.pulled == [] and rt.builds == []
