"""The facade's side of the monitor protocol (``runtime.supervise.job``): one monitor per project (the group is
the value of the project label, else ``default``), one job per container named by its id.

``start`` writes the job (a new generation), pokes or starts the monitor and waits until the container runs or its
start failed; ``stop`` files a user stop; ``forget`` removes the job. ``observed`` reads what the monitor recorded.
Waits block on the container's wake FIFO (``job.wake``), re-reading the state at least every ``RECHECK`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from runtime.errors import ContainerError
from runtime.state import Shared
from runtime.supervise import job as jobs
from runtime.supervise.holder import ensure_monitor, monitor_pid, release

PROJECT_LABEL = "com.docker.compose.project"
STARTER = "runtime.starter:start"
PROBE_RUNNER = "runtime.starter:probe_runner"
START_TIMEOUT = 60.0
LINGER = 10.0  # how long a monitor started by ``prepare`` waits for its first job
RECHECK = 0.1  # a waiter that missed a wake (another waiter on the same FIFO took it) looks again this soon


class Waiter:
    """The reading end of a container's wake FIFO (made if missing; removed by ``close`` if made here). If the
    FIFO cannot be made, ``wait`` just sleeps: the caller re-reads the state either way."""

    def __init__(self, directory: str, cid: str) -> None:
        self.path = jobs.wake_path(directory, cid)
        self.made = False
        self.fd = -1
        try:
            os.mkfifo(self.path, 0o600)
            self.made = True
        except FileExistsError:
            pass
        except OSError:
            return
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            self.fd = -1

    def wait(self, seconds: float) -> None:
        """Until the monitor wrote a wake, or ``seconds`` passed."""
        seconds = max(0.0, min(seconds, RECHECK))
        if self.fd < 0:
            time.sleep(seconds)
            return
        if select.select([self.fd], [], [], seconds)[0]:
            with contextlib.suppress(BlockingIOError):
                os.read(self.fd, 4096)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            self.made = False


def monitor_dir(run: Path, labels: dict[str, str]) -> str:
    group = re.sub(r"[^a-zA-Z0-9_.-]", "_", labels.get(PROJECT_LABEL) or "default")
    return str(Path(run) / "monitors" / group)


def _restart(restart: dict) -> dict:
    if restart.get("delay") is not None or restart.get("window") is not None:
        condition = {"no": "none", "on-failure": "on-failure"}.get(restart["policy"], "any")
        return {"deploy_restart": {"condition": condition, "delay": restart.get("delay"),
                                   "max_attempts": restart.get("max_attempts") or 0, "window": restart.get("window")}}
    text = restart["policy"]
    if text == "on-failure" and restart.get("max_attempts"):
        text = f"on-failure:{restart['max_attempts']}"
    return {"restart": text}


def job_of(rec: dict, cdir: Path, log_path: Path, stop_signal: int, stop_timeout: float) -> dict:
    hc = rec.get("healthcheck")
    health = None
    if hc:
        health = {"test": list(hc["test"]), "interval": hc["interval"], "timeout": hc["timeout"],
                  "retries": hc["retries"], "start_period": hc["start_period"], "start_interval": hc["start_interval"]}
    return {"argv": rec["command"], "log_path": str(log_path), "log": rec["log"], **_restart(rec["restart"]),
            "health": health, "restart_on_unhealthy": bool(rec["restart"].get("on_unhealthy")),
            "stop_signal": stop_signal, "stop_timeout": stop_timeout, "starter": STARTER, "probe_runner": PROBE_RUNNER,
            "launch": str(cdir / "launch.json"), "container_dir": str(cdir)}


@contextlib.contextmanager
def watching(directory: str, cid: str) -> Iterator[Waiter]:
    """For a caller that re-reads a container's state in a loop (stop, health waits): enter before the first
    read, then ``wait(seconds)`` returns as soon as the monitor records or removes that state (never later than
    ``RECHECK``), instead of sleeping a polling interval."""
    waiter = Waiter(directory, cid)
    try:
        yield waiter
    finally:
        waiter.close()


def prepare(directory: str) -> None:
    """Have the group's monitor running, its starter loaded, before the first ``start`` (call it when a container
    is created): the ~0.1-0.3 s a monitor takes to come up and load the launcher then overlap the caller's work.
    A monitor started here leaves after ``LINGER`` seconds if no job came; a live one is left alone."""
    ensure_monitor(directory, log=os.path.join(directory, "monitor.log"), linger=LINGER, warm=STARTER)


def _unanswered(directory: str, cid: str) -> bool:
    """Is a start of the container written for its monitor but not answered yet (still pending or in flight)?"""
    job = jobs.read_json(jobs.job_path(directory, cid))
    if job is None or job.get("generation") is None:
        return False
    st = jobs.read_state(directory, cid) or {}
    return not (st.get("generation") == job["generation"] and st.get("status") != "created") \
        and monitor_pid(directory) is not None


def settle(directory: str, cid: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until the monitor has answered the container's last start request. A request left by a command that
    was killed while it waited (``up`` killed halfway) may still be starting the container: a new start must not
    tear down and rebuild its network namespace under that launch."""
    if not _unanswered(directory, cid):
        return
    deadline = time.monotonic() + timeout
    with watching(directory, cid) as waiter:
        while _unanswered(directory, cid) and time.monotonic() < deadline:
            waiter.wait(deadline - time.monotonic())


def start(directory: str, cid: str, job: dict, timeout: float = START_TIMEOUT) -> dict:
    """Hand the container to its monitor; return the monitor's state once it runs, raise if the start failed."""
    generation = os.urandom(8).hex()
    lock = jobs.control_lock(directory)  # not while an idle group's directory is being tidied away
    try:
        jobs.clear_stop(directory, cid)
        waiter = Waiter(directory, cid)  # before the job: the monitor's first word about it must find a reader
        jobs.write_job(directory, cid, {**job, "generation": generation})
    finally:
        os.close(lock)
    try:
        ensure_monitor(directory, log=os.path.join(directory, "monitor.log"))
        return _await_start(directory, cid, generation, timeout, waiter)
    finally:
        waiter.close()


def _await_start(directory: str, cid: str, generation: str, timeout: float, waiter: Waiter) -> dict:
    deadline = time.monotonic() + timeout
    poke = time.monotonic() + 1.0
    while True:
        st = jobs.read_state(directory, cid) or {}
        if st.get("generation") == generation and st.get("status") != "created":
            if st.get("error"):
                stop(directory, cid, 0)
                raise ContainerError(f"start container {cid[:12]}: {_reason(st['error'])}")
            return st  # running, or already exited (or restarting) after a successful exec
        now = time.monotonic()
        if now >= deadline:
            raise ContainerError(f"start container {cid[:12]}: its monitor did not start it within {timeout:.0f} s; "
                                 f"see {directory}/monitor.log")
        if now >= poke:  # a monitor that was just leaving may have missed the job: make sure one is there
            ensure_monitor(directory, log=os.path.join(directory, "monitor.log"))
            poke = now + 1.0
        waiter.wait(min(poke, deadline) - now)


def _reason(error: str) -> str:
    """``ContainerStartError: start container 3f2a..: exec: ...`` -> ``exec: ...``."""
    text = error.split(": ", 1)[1] if error.startswith(("ContainerStartError: ", "ContainerError: ")) else error
    return re.sub(r"^start container [0-9a-f]{12}: ", "", text)


_ensures = Shared()  # the threads of one command (``down``) stopping containers of a group share one poke
_pokes = Shared()


def stop(directory: str, cid: str, timeout: float) -> None:
    """A user stop: stop signal, SIGKILL after ``timeout``; never restarted."""
    jobs.request_stop(directory, cid, timeout)
    _ensures.run(directory, lambda: ensure_monitor(directory, log=os.path.join(directory, "monitor.log")))


def poke(directory: str) -> int | None:
    """SIGHUP the group's live monitor so it rescans (the pid poked), or None if none runs; none is started.
    Threads that ask while a poke is under way share the next one: it is sent after all of them asked."""
    return _pokes.run(directory, lambda: _poke_now(directory))


def _poke_now(directory: str) -> int | None:
    if not os.path.isdir(directory):
        return None
    lock = jobs.control_lock(directory)  # a monitor deciding to leave holds it until it is gone
    try:
        pid = monitor_pid(directory)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)
        return pid
    finally:
        os.close(lock)


def observed(directory: str, cid: str) -> dict | None:
    """The monitor's record of the container; if it says running but no monitor watches, one is started to adopt
    (or to notice the exit of) the container."""
    st = jobs.read_state(directory, cid)
    if st and st.get("status") in ("running", "restarting") and monitor_pid(directory) is None \
            and os.path.exists(jobs.job_path(directory, cid)):
        ensure_monitor(directory, log=os.path.join(directory, "monitor.log"))
    return st


def forget(directory: str, cid: str, timeout: float = 10.0) -> None:
    """Remove the job; the monitor kills what still runs and drops its holder and state. Without a monitor the
    leftovers (holder, state file) are removed here."""
    for path in (jobs.job_path(directory, cid), jobs.stop_path(directory, cid)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    before = monitor_pid(directory)
    if before is not None:  # none after ``down`` stopped the group's last container: no FIFO, no poke, no wait
        _await_forgotten(directory, cid, before, timeout)
    st = jobs.read_state(directory, cid) or {}
    for kept in (st.get("holder"), st.get("console_holder")):
        if (kept or {}).get("pid"):
            release(kept["pid"])
    with contextlib.suppress(FileNotFoundError):
        os.unlink(jobs.state_path(directory, cid))
    tidy_if_idle(directory)


def _await_forgotten(directory: str, cid: str, before: int, timeout: float) -> None:
    """Poke monitor ``before`` and wait until it removed the container's state. Only the monitor that had the job
    forgets it; one that was leaving (idle) and is gone or got replaced meanwhile left the state behind, and a
    successor never saw the job: the caller removes the leftovers, no wait (and no monitor is started for that).
    A state removed before the waiter exists is seen by the check that precedes every wait."""
    waiter = Waiter(directory, cid)  # before the poke (see start)
    try:
        if poke(directory) != before:
            return
        deadline = time.monotonic() + timeout
        while os.path.exists(jobs.state_path(directory, cid)) and time.monotonic() < deadline:
            if monitor_pid(directory) != before:
                break
            _wait(waiter, deadline - time.monotonic())
    finally:
        waiter.close()


def _wait(waiter: Waiter | None, seconds: float) -> None:
    if waiter is None:
        time.sleep(max(0.0, min(seconds, RECHECK)))
    else:
        waiter.wait(seconds)


def tidy_if_idle(directory: str) -> bool:
    """Remove the group's monitor directory once no monitor runs and only bookkeeping is left in it (so `down`
    leaves nothing under DOCKYARD_RUN). Under the control lock, so no caller is starting a monitor meanwhile."""
    if not os.path.isdir(directory):
        return True
    if jobs.has_work(directory):  # kept whatever the lock would show; whoever removes the last job tidies
        return False
    lock = jobs.control_lock(directory)
    try:
        return monitor_pid(directory) is None and jobs.tidy(directory)
    finally:
        os.close(lock)
