"""One supervised container inside a monitor: its job, process, pipes, restart history and health."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from runtime.supervise.health import HealthConfig, HealthState, as_inspect, initial
from runtime.supervise.logs import format_time
from runtime.supervise.restart import RestartHistory, RestartPolicy

DEFAULT_STARTER = "runtime.supervise.hostproc:host_starter"
_starters: dict = {}
_prepared: set[str] = set()


def load_starter(ref: str):
    """Import ``module:function`` once (the launcher's container starter, or the host one for tests). A module
    with a ``prepare()`` has it called once, here, in the loop's thread (before starts run side by side)."""
    if ref not in _starters:
        import importlib

        name, _, attr = ref.partition(":")
        module = importlib.import_module(name)
        if name not in _prepared and hasattr(module, "prepare"):
            _prepared.add(name)
            with contextlib.suppress(Exception):  # only a cache left cold: a start that fails says why itself
                module.prepare()
        _starters[ref] = getattr(module, attr)
    return _starters[ref]


def _module_of(ref: str):
    """The module of a ``module:function`` starter (imported: an adopting monitor may not have started it)."""
    import importlib

    return importlib.import_module(ref.partition(":")[0])


def _policy(spec: dict) -> RestartPolicy:
    deploy = spec.get("deploy_restart")
    if deploy:
        return RestartPolicy.from_deploy(deploy.get("condition"), deploy.get("delay"), deploy.get("max_attempts"),
                                         deploy.get("window"))
    return RestartPolicy.parse(spec.get("restart"))


def _health(spec: dict) -> HealthConfig | None:
    raw = spec.get("health")
    if not raw:
        return None
    cfg = HealthConfig.build(raw.get("test"), interval=raw.get("interval"), timeout=raw.get("timeout"),
                             retries=raw.get("retries"), start_period=raw.get("start_period"),
                             start_interval=raw.get("start_interval"), disable=bool(raw.get("disable")))
    return cfg if cfg.enabled else None


def _wall(seconds: float | None) -> str | None:
    return None if seconds is None else format_time(int(seconds * 1e9))


class Unit:
    """Mutable per-container record owned by the monitor loop (single-threaded, except probe results)."""

    def __init__(self, directory: str, name: str, spec: dict) -> None:
        self.dir, self.name = directory, name
        self.update(spec)
        log = spec.get("log") or {}
        self.log_driver, self.log_options = log.get("driver"), log.get("options")
        self.writer = None  # set by the monitor
        self.history = RestartHistory()
        self.status = "created"
        self.pid: int | None = None
        self.pid_start: int | None = None
        self.own_child = False
        self.pidfd: int | None = None
        self.started_mono = 0.0
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.exit_code: int | None = None
        self.oom_killed = False
        self.error = ""
        self.reason = ""
        self.stopped_by_user = False
        self.kill_for_unhealthy = False
        self.lost_exit = False
        self.restart_due: float | None = None
        self.stop_deadline: float | None = None
        self.pipes: dict[str, int] = {}
        self.holder_pid: int | None = None
        self.holder_slots: dict[str, int] = {}
        self.holder_unconfirmed = False  # spawned, not yet seen under its name (see Monitor._confirm_holder)
        self.launching = False  # a start is in flight in a thread (launching.py)
        self.console: int | None = None  # with a tty: the pty master of the current run
        self.console_holder: dict | None = None  # {"pid", "slot"} of the holder keeping a duplicate of it
        self.health_state: HealthState | None = None
        self.probe_due: float | None = None
        self.probing = False

    def update(self, spec: dict) -> None:
        """Take the job's current content (used from the next start on)."""
        self.spec = spec
        self.policy = _policy(spec)
        self.health = _health(spec)
        self.restart_on_unhealthy = bool(spec.get("restart_on_unhealthy"))
        self.stop_signal = int(spec.get("stop_signal") or signal.SIGTERM)
        self.starter = spec.get("starter") or DEFAULT_STARTER
        self.generation = spec.get("generation")

    @classmethod
    def from_job(cls, directory: str, name: str, spec: dict) -> Unit:
        return cls(directory, name, spec)

    @property
    def running(self) -> bool:
        return self.status == "running"

    def read_fds(self) -> list[int]:
        return [fd for key, fd in self.pipes.items() if key.endswith("_r")]

    # ---- transitions -----------------------------------------------------------------------------------------
    def started(self, pid: int, pid_start: int | None, *, own_child: bool, adopted_from: dict | None = None) -> None:
        self.pid, self.pid_start, self.own_child = pid, pid_start, own_child
        self.status, self.error, self.exit_code, self.finished_at = "running", "", None, None
        self.stop_deadline, self.kill_for_unhealthy = None, False
        self.started_mono = time.monotonic()
        self.started_at = time.time()
        if adopted_from and adopted_from.get("started_at_epoch"):
            self.started_at = float(adopted_from["started_at_epoch"])
            self.started_mono -= max(0.0, time.time() - self.started_at)
        self.health_state = initial(self.started_at) if self.health else None

    def exited(self, code: int | None) -> float:
        """Record an exit; returns how long the run lasted."""
        self.status, self.exit_code, self.finished_at = "exited", code, time.time()
        self.stop_deadline = None
        self.probe_due = None
        return time.monotonic() - self.started_mono

    def start_failed(self, message: str) -> None:
        self.error = message
        self.started_mono = time.monotonic()

    def lost(self, old: dict) -> None:
        """The state says running but the process is gone: it exited while no monitor watched (code unknown)."""
        self.lost_exit = True
        if old.get("status") == "restarting":  # the exit was recorded and the policy had said: restart
            self.status, self.exit_code, self.lost_exit = "restarting", old.get("exit_code"), False
            left = float(old.get("restart_at_epoch") or 0) - time.time()
            self.restart_due = time.monotonic() + max(0.0, left)
            return
        self.status, self.exit_code = "exited", None
        self.finished_at = time.time()
        self.reason = "exited while no monitor was watching (exit code unknown)"

    def signal(self, sig: int) -> None:
        """Signal the container process, only if it still is the process we started (pid + start time)."""
        if self.pid and self.pid_start is not None and _start_time(self.pid) == self.pid_start:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def oom_check(self, code: int | None) -> bool:
        """Tell the starter's module the run ended (``exit_info(job, pid, code) -> dict``, optional: the container
        starter reads OOM kills from the cgroup and removes it) and return whether it was OOM-killed."""
        try:
            hook = getattr(_module_of(self.starter), "exit_info", None)
            if hook is None:
                return False
            return bool((hook(self.spec, self.pid, code) or {}).get("oom_killed"))
        except Exception:  # noqa: BLE001 - missing information is not a reason to stop supervising
            return False

    def close(self) -> None:
        for fd in self.pipes.values():
            os.close(fd)
        self.pipes = {}
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    # ---- persistence -----------------------------------------------------------------------------------------
    def adoptable(self, old: dict) -> bool:
        from runtime.supervise.job import is_alive

        return old.get("status") == "running" and is_alive(old.get("pid"), old.get("pid_start"))

    def restore(self, old: dict) -> None:
        hist = old.get("restart_history") or {}
        self.history = RestartHistory(int(old.get("restart_count") or 0), float(hist.get("last_delay") or 0),
                                      tuple(hist.get("times") or ()))
        self.status = old.get("status") or "created"
        self.stopped_by_user = bool(old.get("stopped_by_user"))
        self.exit_code = old.get("exit_code")
        self.generation = old.get("generation", self.generation)

    def state(self) -> dict:
        return {
            "name": self.name, "status": self.status, "pid": self.pid if self.running else None,
            "pid_start": self.pid_start if self.running else None, "monitor_pid": os.getpid(),
            "started_at": _wall(self.started_at), "started_at_epoch": self.started_at,
            "finished_at": _wall(self.finished_at), "exit_code": self.exit_code, "oom_killed": self.oom_killed,
            "error": self.error, "reason": self.reason, "restart_count": self.history.count,
            "restart_policy": str(self.policy), "stopped_by_user": self.stopped_by_user,
            "restart_history": {"last_delay": self.history.last_delay, "times": list(self.history.times)},
            "generation": self.generation,
            "restart_at_epoch": None if self.restart_due is None else time.time() + self.restart_due - time.monotonic(),
            "holder": {"pid": self.holder_pid, "slots": self.holder_slots} if self.holder_pid else None,
            "console_holder": self.console_holder,
            "health": as_inspect(self.health_state) if self.health_state else None,
            "adopted": self.running and not self.own_child,
        }


def _start_time(pid: int) -> int | None:
    from runtime.supervise.job import process_start_time

    return process_start_time(pid)
