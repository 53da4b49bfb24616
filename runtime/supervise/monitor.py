"""The monitor: parent of a project's containers. Owns their output, logs it, records exits, restarts, probes.

MEASURED (this VM, Python 3.11, PSS from /proc/<pid>/smaps_rollup; bench/bench_monitor_pss.py records it):
- ``python -S -c 'import os,json,select,signal,time'`` exec'd: ~4.5 MB PSS (9.9 MB RSS) alone.
- the same forked from a lean parent: ~2.5 MB PSS (7.8 MB RSS; copy-on-write pages shared with the parent); forked
  from a parent that had loaded more (this bench, the CLI) it grows with the parent's heap: ~4.7 MB, and the
  DESIGN notes 3.8 MB from a CLI with jsonschema/networkx/yaml loaded. Forking saves little and ties the monitor
  to whatever its parent imported, so the monitor is exec'd from a lean entry point.
- this monitor, exec'd (``python -S -m runtime.supervise.monitor``): ~7.5 MB PSS, flat from 1 to 30 containers.
  ``dataclasses`` (it pulls ``inspect``) cost +1.1 MB, so the supervise records are NamedTuples; ``typing`` (the
  ``runtime`` package imports it) and ``re`` are most of the rest.
- a holder (``sleep infinity`` keeping the pipe ends, see holder.py): ~0.11 MB PSS.
Per container (monitor + holders) / containers: 7.5 MB at 1, 0.85 MB at 10, 0.36 MB at 30; docker's shim is
3.5 MB and conmon 0.5 MB. A monitor per container would cost 7.5 MB each.
DECISION: one exec'd monitor per job directory (the facade uses one per project; one per host would amortise it
over every project) + one holder per container. Under the shim from 3 containers in a directory up.
WHAT SURVIVES WHAT: the monitor runs in its own session with stdio on /dev/null, so the CLI's exit, Ctrl-C or
``kill -9`` do not reach it. Containers run in their own sessions too. If the monitor is killed, its containers are
reparented to init, keep running, and their pipes stay open through the holder (writes block once the pipe's
buffer, raised to 1 MiB, is full; they never get SIGPIPE). A new monitor on the same directory adopts them: it
checks pid + kernel start time (never signals a stale pid), reopens the pipes via the holder, and watches the
process with a pidfd. It is not their parent, so an adopted container's exit code is unknown (recorded as null,
treated as a failure by restart policies).

Protocol (files in one directory, see job.py): jobs ``<name>.json``, stop requests ``<name>.stop``, states
``<name>.state.json``, ``monitor.pid``. SIGHUP makes the monitor rescan; SIGTERM makes it exit, leaving containers
running (they can be adopted again). It exits by itself once nothing runs or waits for a restart; the holders keep
the pipes, and ``ensure_monitor`` starts a new one when there is work again. A job may carry ``generation``: a new
value starts the container if it is not running (the ``start`` verb) and is echoed in its state.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

from runtime.supervise import console
from runtime.supervise import job as jobs
from runtime.supervise.holder import release
from runtime.supervise.job import tidy  # also this module's public name (tests)
from runtime.supervise.launching import Launches, Outcome
from runtime.supervise.logs import LogOptions, LogWriter
from runtime.supervise.restart import RestartPolicy, decide, should_resume
from runtime.supervise.streams import Streams
from runtime.supervise.unit import Unit, load_starter


class Monitor(Streams):
    """Watches the jobs of one directory. ``step`` runs one turn of the loop; ``run`` loops until no job is left."""

    def __init__(self, directory: str, *, linger: float = 0.0, warm: str | None = None) -> None:
        self.dir = directory
        self.linger_until = time.monotonic() + linger  # started ahead of its jobs: wait this long for the first
        self.warm = warm  # a starter ("module:function") to load before any job comes
        self.units: dict[str, Unit] = {}
        self.by_fd: dict[int, tuple[Unit, str]] = {}
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.poller = select.poll()
        self.poller.register(self.wake_r, select.POLLIN)
        self.done = False
        self.leaving = False  # set once the loop is over: starts in flight are recorded, no new one begins
        self.probes = None
        self.launches = Launches(self.wake_w)

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def install_signals(self) -> None:
        for sig in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _noop)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        # spawn_monitor starts us with SIGHUP blocked: a caller may poke us as soon as we exec'd (it finds the
        # pidfile written for us), and SIGHUP's default action would end us before this handler was in
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGHUP])

    def run(self) -> None:
        """Serve the directory until SIGTERM, or until nothing is running or pending (then exit; the holders keep
        the pipes and the next ``ensure_monitor`` starts a fresh monitor that picks everything up)."""
        if not self._lock():
            return
        self._write_pidfile()
        if self.warm:
            self._load_warm(self.warm)
        self.scan()
        while not self.done:
            if self._idle():
                lock = jobs.control_lock(self.dir)  # held until this process is gone
                self.scan()  # a job written before a caller found us alive
                if self._idle():
                    break
                os.close(lock)
            try:
                self.step()
            except Exception:  # noqa: BLE001 - a bug must not end supervision; say it in monitor.log
                import traceback

                traceback.print_exc()
                time.sleep(0.1)
        if self.done:
            jobs.control_lock(self.dir)
        self.leaving = True
        for outcome in self.launches.wait_all():  # a start in flight is recorded, so the next monitor adopts it
            self._launched(outcome)
        for unit in self.units.values():
            self._drain(unit)
        _unlink(os.path.join(self.dir, jobs.PIDFILE))
        if not self.units:
            tidy(self.dir)

    def _lock(self) -> bool:
        """One monitor per directory: hold an flock for life. A second one pokes the first and leaves."""
        import fcntl

        try:
            self.lock_fd = os.open(os.path.join(self.dir, "monitor.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                   0o644)
        except FileNotFoundError:  # the group went idle and its directory was tidied before we got here
            return False
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            other = jobs.read_json(os.path.join(self.dir, jobs.PIDFILE)) or {}
            if other.get("pid") != os.getpid() and jobs.is_alive(other.get("pid"), other.get("start_time")):
                os.kill(other["pid"], signal.SIGHUP)
            return False

    def _write_pidfile(self) -> None:
        jobs.write_json(os.path.join(self.dir, jobs.PIDFILE),
                        {"pid": os.getpid(), "start_time": jobs.process_start_time(os.getpid())})

    def _idle(self) -> bool:
        if self.launches.in_flight() or time.monotonic() < self.linger_until:
            return False
        return all(not u.running and u.restart_due is None for u in self.units.values())

    def _load_warm(self, ref: str) -> None:
        try:
            load_starter(ref)
        except Exception:  # noqa: BLE001 - the first start loads it again and records what fails
            import traceback

            traceback.print_exc()

    def step(self) -> None:
        timeout = self._timeout()
        for fd, _ in self.poller.poll(None if timeout is None else max(0, timeout) * 1000):
            if fd == self.wake_r:
                self._on_wake()
            elif fd in self.by_fd:
                unit, stream = self.by_fd[fd]
                self._pump(unit, stream, fd)
            else:
                self._on_pidfd(fd)
        self._reap()
        self._timers()

    # ---- jobs ------------------------------------------------------------------------------------------------
    def scan(self) -> None:
        """Pick up new, changed, stopped and removed jobs."""
        names = set(jobs.job_names(self.dir))
        for name in sorted(set(self.units) - names):
            if not self.units[name].launching:  # else _launched forgets it once the start is over
                self._forget(self.units.pop(name))
        for name in sorted(names):
            spec = jobs.read_json(jobs.job_path(self.dir, name))
            if spec is None:
                continue
            unit = self.units.get(name)
            if unit is None:
                unit = self.units[name] = self._load(name, spec)
            self._reconcile(unit, spec)

    def _load(self, name: str, spec: dict) -> Unit:
        unit = Unit.from_job(self.dir, name, spec)
        unit.writer = LogWriter(spec.get("log_path") or os.path.join(self.dir, f"{name}-json.log"),
                                LogOptions.build(unit.log_driver, unit.log_options))
        old = jobs.read_state(self.dir, name)
        if old:
            unit.restore(old)
            self._reclaim_pipes(unit, old)
            if unit.adoptable(old):
                self._adopt(unit, old)
                return unit
            console.drop(None, old.get("console_holder"))
            if old.get("status") in ("running", "restarting"):
                unit.lost(old)  # exited while nobody watched
                if old.get("status") == "running":
                    unit.oom_killed = unit.oom_check(None)  # the starter also removes what the run left
        return unit

    def _reconcile(self, unit: Unit, spec: dict) -> None:
        if unit.launching:  # looked at again once the start is over (_launched)
            return
        stop = jobs.read_json(jobs.stop_path(self.dir, unit.name))
        if stop is not None:
            self._user_stop(unit, float(stop.get("timeout", 10)))
            return
        fresh = spec.get("generation") != unit.generation
        unit.update(spec)
        if unit.running or (unit.status == "restarting" and not fresh):
            if fresh:
                self._save(unit)  # starting a running container changes nothing but the generation it answers
            return
        if unit.lost_exit:
            unit.lost_exit = False
            if not fresh and not should_resume(unit.policy, unit.history, exit_code=unit.exit_code,
                                               stopped_by_user=unit.stopped_by_user, now=time.time()):
                self._save(unit)
                return
        elif not (fresh or unit.status == "created" or unit.stopped_by_user):
            return
        unit.stopped_by_user = False
        self._start(unit)

    def _forget(self, unit: Unit) -> None:
        self._confirm_holder(unit)
        if unit.running:
            unit.signal(signal.SIGKILL)
            if unit.own_child:
                try:
                    os.waitpid(unit.pid, 0)
                except ChildProcessError:
                    pass
            unit.oom_check(128 + signal.SIGKILL)  # the starter removes the run's cgroup
        self._drop_console(unit)
        for fd in list(unit.read_fds()):
            self._unwatch(fd)
        unit.writer.close()
        unit.close()
        if unit.holder_pid:
            release(unit.holder_pid)
            self._reap_pid(unit.holder_pid)
        _unlink(jobs.state_path(self.dir, unit.name))
        jobs.wake(self.dir, unit.name)

    # ---- starting, adopting, stopping ------------------------------------------------------------------------
    def _start(self, unit: Unit) -> None:
        """Hand the start to a thread (launching.py); ``_launched`` records its outcome."""
        if unit.launching or self.leaving:
            return
        if not unit.pipes:
            self._make_pipes(unit)
        starter = load_starter(unit.starter)
        unit.restart_due = None
        unit.launching = True
        self.launches.submit(unit.name, starter, unit.spec, unit.pipes["stdout_w"], unit.pipes["stderr_w"])

    def _launched(self, outcome: Outcome) -> None:
        """A start is over: record the running container (or the failure), then look at its job again: it may
        have been stopped, started anew or removed meanwhile."""
        unit = self.units.get(outcome.name)
        if unit is None or not unit.launching:
            return
        unit.launching = False
        self._confirm_holder(unit)
        if outcome.error is not None:
            unit.start_failed(outcome.error)
            self._after_exit(unit, 127)
        else:
            started = outcome.result
            pid, master = started if isinstance(started, tuple) else (started, None)  # (pid, pty master): a tty
            if master is not None:
                self._hold_console(unit, master)
            unit.started(pid, jobs.process_start_time(pid), own_child=True)
            if unit.health is not None:
                self._probes().arm(unit)
            self._save(unit)
        if self.leaving:
            return
        spec = jobs.read_json(jobs.job_path(self.dir, unit.name))
        if spec is None:
            self._forget(self.units.pop(unit.name))
        else:
            self._reconcile(unit, spec)

    def _adopt(self, unit: Unit, old: dict) -> None:
        """Take over a running container whose monitor died: watch it with a pidfd (it is not our child)."""
        try:
            unit.pidfd = os.pidfd_open(old["pid"])
        except OSError:
            unit.pidfd = None
        unit.started(old["pid"], old.get("pid_start"), own_child=False, adopted_from=old)
        master = console.reclaim(old.get("console_holder"))
        if master is not None:
            self._watch_console(unit, master, old["console_holder"])
        if unit.pidfd is not None:
            self.poller.register(unit.pidfd, select.POLLIN)
        if unit.health is not None:
            self._probes().arm(unit)
        self._save(unit)

    def _user_stop(self, unit: Unit, timeout: float) -> None:
        unit.stopped_by_user = True
        if unit.status == "restarting":
            unit.restart_due = None
            unit.status = "exited"
            self._save(unit)
        elif unit.running and unit.stop_deadline is None:
            unit.signal(unit.stop_signal)
            unit.stop_deadline = time.monotonic() + timeout
            self._save(unit)

    # ---- events ----------------------------------------------------------------------------------------------
    def _on_wake(self) -> None:
        try:
            data = os.read(self.wake_r, 4096)
        except BlockingIOError:
            return
        if bytes([signal.SIGTERM]) in data or bytes([signal.SIGINT]) in data:
            self.done = True
        if bytes([signal.SIGHUP]) in data:
            self.scan()
        for outcome in self.launches.collect():
            self._launched(outcome)
        if b"P" in data and self.probes is not None:
            for unit in self.probes.collect(self.units):
                self._on_unhealthy(unit)
            for unit in self.units.values():
                if unit.health is not None:
                    self._save(unit)

    def _reap(self) -> None:
        for unit in list(self.units.values()):
            if unit.running and unit.own_child:
                try:
                    pid, status = os.waitpid(unit.pid, os.WNOHANG)
                except ChildProcessError:
                    pid, status = unit.pid, 255 << 8
                if pid:
                    self._after_exit(unit, jobs.exit_code(status))

    def _reap_pid(self, pid: int) -> None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def _on_pidfd(self, fd: int) -> None:
        for unit in list(self.units.values()):
            if unit.pidfd == fd:
                self.poller.unregister(fd)
                os.close(fd)
                unit.pidfd = None
                self._after_exit(unit, None)

    def _after_exit(self, unit: Unit, code: int | None) -> None:
        """Record the exit, then restart after the policy's delay or leave it exited."""
        self._drain(unit)
        self._drop_console(unit)
        ran_for = unit.exited(code)
        unit.oom_killed = unit.oom_check(code)
        stopped = unit.stopped_by_user or os.path.exists(jobs.stop_path(self.dir, unit.name))
        policy = RestartPolicy("always") if unit.kill_for_unhealthy and not stopped else unit.policy
        verdict = decide(policy, unit.history, exit_code=-1 if code is None else code, ran_for=ran_for,
                         stopped_by_user=stopped, now=time.time())
        unit.history = verdict.history
        unit.reason = verdict.reason
        if unit.kill_for_unhealthy:
            unit.reason = "turned unhealthy (restart_on_unhealthy)"
        unit.stopped_by_user = stopped
        if verdict.restart:
            unit.status = "restarting"
            unit.restart_due = time.monotonic() + verdict.delay
        self._save(unit)

    def _on_unhealthy(self, unit: Unit) -> None:
        """Opt-in: a container that turned unhealthy is killed and restarted (counted as a restart)."""
        if unit.running and unit.restart_on_unhealthy:
            unit.kill_for_unhealthy = True
            unit.signal(signal.SIGKILL)

    def _timers(self) -> None:
        now = time.monotonic()
        for unit in list(self.units.values()):
            if unit.restart_due is not None and now >= unit.restart_due:
                self._start(unit)
            if unit.stop_deadline is not None and now >= unit.stop_deadline and unit.running:
                unit.signal(signal.SIGKILL)
                unit.stop_deadline = now + 3600
        if self.probes is not None:
            self.probes.launch_due(self.units.values())

    def _timeout(self) -> float | None:
        now = time.monotonic()
        dues = [u.restart_due for u in self.units.values() if u.restart_due is not None]
        dues += [u.stop_deadline for u in self.units.values() if u.stop_deadline is not None and u.running]
        if self.probes is not None:
            dues += self.probes.dues(self.units.values())
        if self.linger_until > now:
            dues.append(self.linger_until)  # then the loop looks again whether it is idle
        return min(dues) - now if dues else None

    def _probes(self):
        if self.probes is None:
            from runtime.supervise.probes import Probes

            self.probes = Probes(self.wake_w)
        return self.probes

    def _save(self, unit: Unit) -> None:
        self._confirm_holder(unit)
        jobs.write_json(jobs.state_path(self.dir, unit.name), unit.state())
        jobs.wake(self.dir, unit.name)


def _noop(signum: int, frame: object) -> None:
    """Signals only wake the loop (through the wakeup fd)."""


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    options = dict(zip(args[1::2], args[2::2]))
    if not args or len(args) % 2 != 1 or set(options) - {"--linger", "--warm"}:
        sys.stderr.write("usage: python -S -m runtime.supervise.monitor <jobs directory> [--linger SECONDS] "
                         "[--warm module:function]\n")
        return 2
    monitor = Monitor(os.path.abspath(args[0]), linger=float(options.get("--linger", 0)), warm=options.get("--warm"))
    monitor.install_signals()
    monitor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
