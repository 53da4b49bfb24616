"""Restart policies: parsing, Docker's decisions per exit, backoff, deploy.restart_policy, resuming."""

from __future__ import annotations

import pytest

from runtime.supervise.errors import PolicyError
from runtime.supervise.restart import (
    Decision,
    RestartHistory,
    RestartPolicy,
    backoff,
    decide,
    should_resume,
)


@pytest.mark.parametrize(
    ("text", "mode", "attempts"),
    [
        (None, "no", 0),
        ("no", "no", 0),
        ("always", "always", 0),
        ("unless-stopped", "unless-stopped", 0),
        ("on-failure", "on-failure", 0),
        ("on-failure:3", "on-failure", 3),
        ("on-failure:0", "on-failure", 0),
    ],
)
def test_parse_restart_text(text, mode, attempts):
    policy = RestartPolicy.parse(text)
    assert (policy.mode, policy.max_attempts, policy.delay) == (mode, attempts, None)


@pytest.mark.parametrize("text", ["sometimes", "always:3", "on-failure:x", "on-failure:-1"])
def test_parse_rejects_bad_policies_naming_them(text):
    with pytest.raises(PolicyError, match="restart policy"):
        RestartPolicy.parse(text)


def test_policy_text_round_trips():
    assert str(RestartPolicy.parse("on-failure:5")) == "on-failure:5"
    assert str(RestartPolicy.parse("unless-stopped")) == "unless-stopped"


@pytest.mark.parametrize(
    ("condition", "mode"), [(None, "always"), ("any", "always"), ("none", "no"), ("on-failure", "on-failure")]
)
def test_deploy_conditions_map_to_modes(condition, mode):
    assert RestartPolicy.from_deploy(condition=condition).mode == mode


def test_deploy_reads_delay_window_and_attempts():
    policy = RestartPolicy.from_deploy("on-failure", delay="1m30s", max_attempts=4, window="2m")
    assert policy == RestartPolicy(mode="on-failure", max_attempts=4, delay=90.0, window=120.0)


def test_deploy_rejects_unknown_condition():
    with pytest.raises(PolicyError, match="condition"):
        RestartPolicy.from_deploy("sometimes")


def _decide(policy: str, exit_code: int, *, count: int = 0, user: bool = False) -> Decision:
    return decide(RestartPolicy.parse(policy), RestartHistory(count=count), exit_code=exit_code, ran_for=1.0,
                  stopped_by_user=user, now=100.0)


@pytest.mark.parametrize(
    ("policy", "exit_code", "count", "user", "restart"),
    [
        ("no", 1, 0, False, False),
        ("no", 0, 0, False, False),
        ("always", 0, 0, False, True),
        ("always", 1, 50, False, True),
        ("always", 137, 0, True, False),
        ("unless-stopped", 0, 0, False, True),
        ("unless-stopped", 143, 0, True, False),
        ("on-failure", 0, 0, False, False),
        ("on-failure", 1, 0, False, True),
        ("on-failure", 1, 1000, False, True),
        ("on-failure:3", 2, 2, False, True),
        ("on-failure:3", 2, 3, False, False),
        ("on-failure:3", 1, 0, True, False),
    ],
)
def test_decision_per_policy(policy, exit_code, count, user, restart):
    assert _decide(policy, exit_code, count=count, user=user).restart is restart


def test_on_failure_3_restarts_exactly_three_times():
    policy, history, restarts = RestartPolicy.parse("on-failure:3"), RestartHistory(), 0
    for step in range(10):
        verdict = decide(policy, history, exit_code=1, ran_for=0.01, stopped_by_user=False, now=float(step))
        history = verdict.history
        restarts += verdict.restart
    assert restarts == 3 and history.count == 3


def test_refusal_says_why():
    assert "max 3" in _decide("on-failure:3", 1, count=3).reason
    assert "stopped by the user" in _decide("always", 0, user=True).reason
    assert "code 0" in _decide("on-failure", 0).reason


def test_backoff_doubles_from_100ms_and_caps_at_60s():
    delays, history = [], RestartHistory()
    for step in range(14):
        verdict = decide(RestartPolicy.parse("always"), history, exit_code=1, ran_for=0.5,
                         stopped_by_user=False, now=float(step))
        delays.append(verdict.delay)
        history = verdict.history
    assert delays[:4] == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert delays[-1] == 60.0 and max(delays) == 60.0


def test_backoff_resets_after_ten_seconds_of_running():
    assert backoff(6.4, ran_for=10.0) == pytest.approx(0.1)
    assert backoff(6.4, ran_for=9.9) == pytest.approx(12.8)
    assert backoff(0.0, ran_for=0.0) == pytest.approx(0.1)


def test_restart_count_is_kept_across_decisions():
    verdict = _decide("always", 1, count=7)
    assert verdict.history.count == 8


def test_fixed_delay_replaces_backoff():
    policy = RestartPolicy.from_deploy("any", delay="5s")
    verdict = decide(policy, RestartHistory(last_delay=5.0), exit_code=1, ran_for=0.0, stopped_by_user=False,
                     now=0.0)
    assert verdict.delay == 5.0


def test_window_counts_only_recent_restarts_towards_max_attempts():
    policy = RestartPolicy.from_deploy("on-failure", max_attempts=2, window="60s")
    history = RestartHistory(count=5, times=(10.0, 20.0))
    assert not decide(policy, history, exit_code=1, ran_for=0, stopped_by_user=False, now=30.0).restart
    later = decide(policy, history, exit_code=1, ran_for=0, stopped_by_user=False, now=75.0)
    assert later.restart and later.history.times == (20.0, 75.0)


@pytest.mark.parametrize(
    ("policy", "exit_code", "user", "resume"),
    [
        ("always", 0, True, True),
        ("unless-stopped", 0, True, False),
        ("unless-stopped", 1, False, True),
        ("on-failure", 1, False, True),
        ("on-failure", 0, False, False),
        ("on-failure", None, False, False),
        ("no", 1, False, False),
    ],
)
def test_resume_when_supervision_restarts(policy, exit_code, user, resume):
    assert should_resume(RestartPolicy.parse(policy), RestartHistory(), exit_code=exit_code,
                         stopped_by_user=user, now=0.0) is resume
