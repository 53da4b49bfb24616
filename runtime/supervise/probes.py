"""Healthcheck probes inside the monitor: one short thread per running probe, results handed to the loop.

Imported only by a monitor that has a container with a healthcheck (threads cost memory). A job may name a
runner factory ``"module:function"`` called as ``factory(spec, pid) -> ProbeRunner`` (the launcher's runner execs
into the container's namespaces); the default runs the probe on the host (tests).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

from runtime.supervise.health import (
    HostProbeRunner,
    ProbeResult,
    observe,
    schedule,
    should_restart_unhealthy,
)
from runtime.supervise.unit import Unit, load_starter


class Probes:
    """Schedules, runs and folds probe results for the monitor's units."""

    def __init__(self, wake_fd: int) -> None:
        self.wake_fd = wake_fd
        self.lock = threading.Lock()
        self.results: list[tuple[Unit, int, ProbeResult]] = []

    def arm(self, unit: Unit) -> None:
        """Schedule the first probe of a (re)started container."""
        unit.probing = False
        unit.probe_due = schedule(unit.health, unit.health_state, time.time()) if unit.health_state else None

    def dues(self, units: Iterable[Unit]) -> list[float]:
        """Due times on the monotonic clock (the loop's clock)."""
        offset = time.monotonic() - time.time()
        return [u.probe_due + offset for u in units if u.running and u.probe_due is not None and not u.probing]

    def launch_due(self, units: Iterable[Unit]) -> None:
        now = time.time()
        for unit in units:
            if unit.running and unit.probe_due is not None and not unit.probing and now >= unit.probe_due:
                unit.probing = True
                threading.Thread(target=self._run, args=(unit, unit.pid), daemon=True,
                                 name=f"probe-{unit.name}").start()

    def _run(self, unit: Unit, pid: int) -> None:
        try:
            runner = _runner(unit, pid)
            result = runner.run(unit.health.argv, unit.health.timeout)
        except Exception as exc:  # noqa: BLE001 - a broken runner is a failed probe, never a dead monitor
            result = ProbeResult(time.time(), time.time(), -1, f"probe failed to run: {exc}")
        with self.lock:
            self.results.append((unit, pid, result))
        try:
            os.write(self.wake_fd, b"P")
        except BlockingIOError:
            pass

    def collect(self, units: dict[str, Unit]) -> list[Unit]:
        """Fold finished probes into health states; returns the units that should restart as unhealthy."""
        with self.lock:
            done, self.results = self.results, []
        restart = []
        for unit, pid, result in done:
            unit.probing = False
            if units.get(unit.name) is not unit or not unit.running or unit.pid != pid:
                continue  # the run it probed is over
            before = unit.health_state
            unit.health_state = observe(unit.health, before, result)
            unit.probe_due = schedule(unit.health, unit.health_state, time.time())
            if should_restart_unhealthy(unit.restart_on_unhealthy, before, unit.health_state):
                restart.append(unit)
        return restart


def _runner(unit: Unit, pid: int):
    ref = unit.spec.get("probe_runner")
    return load_starter(ref)(unit.spec, pid) if ref else HostProbeRunner()
