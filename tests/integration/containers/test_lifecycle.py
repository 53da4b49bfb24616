"""Stop and kill, the small init, exit codes."""

from __future__ import annotations

import os
import signal

import pytest

from tests.support.eventually import eventually

pytestmark = pytest.mark.root


def _started(path) -> bool:
    return os.path.exists(path) and "ready" in open(path).read()


def test_stop_without_handler_escalates_to_sigkill_after_grace(containers, tmp_path):
    out = tmp_path / "out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60"), out)
    eventually(lambda: _started(out))
    assert proc.stop(grace=0.3) == 137  # pid 1 ignores SIGTERM when it has no handler


def test_stop_signal_is_delivered_to_a_process_that_handles_it(containers, tmp_path):
    out = tmp_path / "out"
    spec = containers.spec("sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done")
    proc = containers.start(spec, out)
    eventually(lambda: _started(out))
    assert proc.stop(grace=10) == 7


def test_custom_stop_signal(containers, tmp_path):
    out = tmp_path / "out"
    spec = containers.spec("sh", "-c", "trap 'exit 9' USR1; echo ready; while :; do sleep 0.1; done",
                           stop_signal=int(signal.SIGUSR1))
    proc = containers.start(spec, out)
    eventually(lambda: _started(out))
    assert proc.stop(grace=10) == 9


@pytest.fixture(params=["binary", "python"])
def init_kind(request, monkeypatch):
    """Both inits: the host's static one (tini) and the child's own Python one."""
    from runtime.process.launcher import find_init_binary

    if request.param == "binary" and find_init_binary() is None:
        pytest.skip("no static init binary on this host (apt-get install tini)")
    if request.param == "python":
        monkeypatch.setenv("DOCKYARD_INIT", "/nonexistent")
    return request.param


def test_init_forwards_sigterm_to_the_command(containers, tmp_path, init_kind):
    out = tmp_path / "out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60", init=True), out)
    eventually(lambda: _started(out))
    assert proc.stop(grace=10) == 128 + signal.SIGTERM


def test_init_is_pid_1_and_reaps_orphans(containers, init_kind):
    probe = containers.run(containers.spec(
        "sh", "-c", "(sleep 0.2 &) ; sleep 0.5; echo $$; ps -o pid,stat,comm | grep -c ' Z ' ; true", init=True))
    pid, zombies = probe.out.split()
    assert pid != "1"  # the init is pid 1, the command runs under it
    assert zombies == "0"


def test_kill_returns_128_plus_signal(containers, tmp_path):
    out = tmp_path / "out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60"), out)
    eventually(lambda: _started(out))
    proc.kill(signal.SIGKILL)
    assert proc.wait(10) == 137


def test_an_exit_reaped_by_the_caller_is_recorded_and_cleaned_up(containers):
    proc = containers.start(containers.spec("sh", "-c", "exit 6"))
    _, status = os.waitpid(proc.pid, 0)  # as a monitor reaping all its children would
    assert proc.reaped(status) == 6
    assert (proc.exit_code, proc.cgroup) == (6, None)
