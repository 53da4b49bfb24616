"""Healthchecks: config resolution, Docker's state machine, the schedule, output limits, the host probe runner."""

from __future__ import annotations

import pytest

from runtime.supervise.errors import PolicyError
from runtime.supervise.health import (
    HEALTHY,
    STARTING,
    UNHEALTHY,
    HealthConfig,
    HostProbeRunner,
    ProbeResult,
    as_inspect,
    initial,
    observe,
    probe_argv,
    schedule,
    should_restart_unhealthy,
    truncate_output,
)
from tests.support.eventually import eventually


def _ok(at: float) -> ProbeResult:
    return ProbeResult(at, at + 0.1, 0, "ok")


def _fail(at: float, code: int = 1) -> ProbeResult:
    return ProbeResult(at, at + 0.1, code, "no")


def _run(config: HealthConfig, results: list[ProbeResult]) -> list[str]:
    state, seen = initial(0.0), []
    for result in results:
        state = observe(config, state, result)
        seen.append(state.status)
    return seen


CFG = HealthConfig.build(["CMD", "true"], retries=3)


def test_defaults_are_dockers():
    cfg = HealthConfig.build(["CMD-SHELL", "true"])
    assert (cfg.interval, cfg.timeout, cfg.retries, cfg.start_period, cfg.start_interval) == (30, 30, 3, 0, 5)


def test_zero_durations_mean_default_as_in_docker():
    cfg = HealthConfig.build("true", interval="0s", retries=0)
    assert (cfg.interval, cfg.retries) == (30, 3)


def test_durations_are_parsed():
    cfg = HealthConfig.build("true", interval="1m", timeout="500ms", start_period="10s", start_interval="1s")
    assert (cfg.interval, cfg.timeout, cfg.start_period, cfg.start_interval) == (60, 0.5, 10, 1)


@pytest.mark.parametrize(
    ("test", "argv"),
    [
        (["CMD", "curl", "-f", "http://x"], ("curl", "-f", "http://x")),
        (["CMD-SHELL", "curl -f x || exit 1"], ("/bin/sh", "-c", "curl -f x || exit 1")),
        ("pg_isready", ("/bin/sh", "-c", "pg_isready")),
        (["NONE"], None),
        (None, None),
    ],
)
def test_probe_argv_forms(test, argv):
    assert probe_argv(test) == argv


def test_disable_turns_checks_off():
    assert not HealthConfig.build(["CMD", "true"], disable=True).enabled
    assert not HealthConfig.build(["NONE"]).enabled


def test_bad_test_form_is_named():
    with pytest.raises(PolicyError, match="healthcheck.test"):
        probe_argv(["RUN", "x"])


def test_first_success_is_healthy():
    assert _run(CFG, [_ok(1)]) == [HEALTHY]


def test_retries_consecutive_failures_make_unhealthy():
    assert _run(CFG, [_fail(1), _fail(2), _fail(3)]) == [STARTING, STARTING, UNHEALTHY]


def test_any_non_zero_exit_code_is_a_failure():
    assert _run(CFG, [_fail(1, 2), _fail(2, -1), _fail(3, 255)])[-1] == UNHEALTHY


def test_success_resets_the_failing_streak():
    assert _run(CFG, [_ok(1), _fail(2), _fail(3), _ok(4), _fail(5), _fail(6)]) == [HEALTHY] * 6


def test_healthy_turns_unhealthy_after_retries_failures():
    assert _run(CFG, [_ok(1), _fail(2), _fail(3), _fail(4)])[-1] == UNHEALTHY


def test_unhealthy_recovers_on_success():
    assert _run(CFG, [_fail(1), _fail(2), _fail(3), _ok(4)])[-1] == HEALTHY


def test_failures_in_start_period_do_not_count():
    cfg = HealthConfig.build("true", retries=1, start_period="10s")
    state = initial(0.0)
    for at in (1, 5, 9):
        state = observe(cfg, state, _fail(at))
    assert (state.status, state.failing_streak) == (STARTING, 0)
    assert observe(cfg, state, _fail(10)).status == UNHEALTHY


def test_success_in_start_period_counts_and_later_failures_count_too():
    cfg = HealthConfig.build("true", retries=2, start_period="60s")
    assert _run(cfg, [_ok(1), _fail(2), _fail(3)]) == [HEALTHY, HEALTHY, UNHEALTHY]


def test_only_the_last_five_results_are_kept():
    state = initial(0.0)
    for at in range(8):
        state = observe(CFG, state, _ok(float(at)))
    assert [r.start for r in state.log] == [3.0, 4.0, 5.0, 6.0, 7.0]


def test_output_is_truncated_to_4k_like_docker():
    assert truncate_output(b"x" * 5000) == "x" * 4096 + "..."
    assert truncate_output(b"short") == "short"


def test_first_probe_is_due_one_interval_after_start():
    cfg = HealthConfig.build("true", interval="10s")
    assert schedule(cfg, initial(100.0), now=100.0) == 110.0


def test_start_interval_is_used_during_the_start_period_while_starting():
    cfg = HealthConfig.build("true", interval="30s", start_period="60s", start_interval="2s")
    state = observe(cfg, initial(0.0), _fail(2.0))
    assert schedule(cfg, state, now=2.1) == pytest.approx(4.1)
    healthy = observe(cfg, initial(0.0), _ok(2.0))
    assert schedule(cfg, healthy, now=2.1) == pytest.approx(32.1)


def test_interval_after_the_start_period():
    cfg = HealthConfig.build("true", interval="30s", start_period="5s", start_interval="1s")
    state = observe(cfg, initial(0.0), _fail(6.0))
    assert schedule(cfg, state, now=6.1) == pytest.approx(36.1)


def test_disabled_check_has_no_schedule():
    assert schedule(HealthConfig.build(None), initial(0.0), now=0.0) is None


def test_restart_on_unhealthy_is_opt_in_and_fires_on_the_transition():
    before = observe(CFG, observe(CFG, initial(0), _fail(1)), _fail(2))
    after = observe(CFG, before, _fail(3))
    assert should_restart_unhealthy(True, before, after)
    assert not should_restart_unhealthy(False, before, after)
    assert not should_restart_unhealthy(True, after, observe(CFG, after, _fail(4)))


def test_inspect_shape():
    state = observe(CFG, initial(0.0), ProbeResult(1.5, 2.0, 0, "fine"))
    out = as_inspect(state)
    assert out["Status"] == "healthy" and out["FailingStreak"] == 0
    assert out["Log"][0]["Start"] == "1970-01-01T00:00:01.500000000Z" and out["Log"][0]["Output"] == "fine"


def test_host_runner_reports_exit_code_and_output():
    result = HostProbeRunner().run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], timeout=10)
    assert result.exit_code == 3 and result.output == "out\nerr\n" and result.end >= result.start


def test_host_runner_kills_the_whole_group_at_timeout(tmp_path):
    pidfile = tmp_path / "pid"
    result = HostProbeRunner().run(["/bin/sh", "-c", f"sleep 100 & echo $! > {pidfile}; wait"], timeout=0.5)
    assert result.exit_code == -1 and "exceeded timeout" in result.output
    child = int(pidfile.read_text())

    def gone() -> bool:  # SIGKILL is delivered asynchronously: the process may still be on its way out
        try:
            with open(f"/proc/{child}/stat") as fh:
                return "Z" in fh.read().split()[2]
        except FileNotFoundError:
            return True

    assert eventually(gone)


def test_host_runner_reports_a_missing_command():
    result = HostProbeRunner().run(["/nonexistent/probe"], timeout=5)
    assert result.exit_code != 0


def test_host_runner_does_not_wait_for_background_strays():
    result = HostProbeRunner().run(["/bin/sh", "-c", "sleep 100 & echo started"], timeout=10)
    assert result.exit_code == 0 and result.output == "started\n"
