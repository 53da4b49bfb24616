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


def test_init_forwards_sigterm_to_the_command(containers, tmp_path):
    out = tmp_path / "out"
    proc = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60", init=True), out)
    eventually(lambda: _started(out))
    assert proc.stop(grace=10) == 128 + signal.SIGTERM


def test_init_is_pid_1_and_reaps_orphans(containers):
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
