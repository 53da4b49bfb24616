"""Restart policies and logs across restarts, with examples/restarts through the real CLI."""

from __future__ import annotations

import os
import signal

from tests.support.e2e import by_service, ps_json
from tests.support.eventually import eventually
from tests.support.paths import REPO

RESTARTS = REPO / "examples" / "restarts"


def _rows(dockyard) -> dict[str, dict]:
    return by_service(ps_json(dockyard("ps", "-a", "--format", "json", cwd=RESTARTS).stdout))


def _main_pid(dockyard, service: str) -> int:
    """Host PID of the service's main process (the first row of `top`, whose parent is outside the container)."""
    lines = dockyard("top", service, cwd=RESTARTS).stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["UID", "PID"])
    return int(lines[header + 1].split()[1])


def test_restart_policies_apply_and_stop_is_final(dockyard):
    """on-failure:3 restarts exactly three times; always and unless-stopped bring a crashed container back, but
    never one the user stopped; a successful on-failure job stays exited; logs keep every attempt's lines."""
    try:
        dockyard("up", "-d", cwd=RESTARTS)

        def flaky_gave_up():
            flaky = _rows(dockyard)["flaky"]
            assert (flaky["State"], flaky["ExitCode"], flaky["RestartCount"]) == ("exited", 3, 3)
            return flaky
        eventually(flaky_gave_up, timeout=30)
        logs = dockyard("logs", "--no-color", "flaky", cwd=RESTARTS).stdout
        assert logs.count("failing with 3") == 4, "one line per attempt: the first run and three restarts"

        job = _rows(dockyard)["job"]
        assert (job["State"], job["ExitCode"], job["RestartCount"]) == ("exited", 0, 0)

        eventually(lambda: _rows(dockyard)["crashy"]["RestartCount"] >= 2, timeout=30)
        dockyard("stop", "crashy", cwd=RESTARTS)
        stopped = _rows(dockyard)["crashy"]
        assert stopped["State"] == "exited"
        ticker_pid = _main_pid(dockyard, "ticker")

        os.kill(ticker_pid, signal.SIGKILL)  # a crash, not a stop: unless-stopped brings it back
        eventually(lambda: _rows(dockyard)["ticker"]["RestartCount"] == 1
                   and _rows(dockyard)["ticker"]["State"] == "running", timeout=30)
        assert _main_pid(dockyard, "ticker") != ticker_pid
        after = _rows(dockyard)["crashy"]  # seconds after the stop: a wrong restart would show by now
        assert (after["State"], after["RestartCount"]) == ("exited", stopped["RestartCount"])
        eventually(lambda: dockyard("logs", "--no-color", "ticker", cwd=RESTARTS).stdout.count("ticker: tick 1\n")
                   == 2, timeout=15)

        dockyard("stop", "ticker", cwd=RESTARTS)
        ticker = _rows(dockyard)["ticker"]
        assert (ticker["State"], ticker["ExitCode"], ticker["RestartCount"]) == ("exited", 0, 1)
        assert "ticker: SIGTERM, bye" in dockyard("logs", "--no-color", "ticker", cwd=RESTARTS).stdout
    finally:
        dockyard("down", "-v", cwd=RESTARTS, check=False)
