"""The facade's side of the monitor protocol (``runtime.supervise.job``): one monitor per project (the group is
the value of the project label, else ``default``), one job per container named by its id.

``start`` writes the job (a new generation), pokes or starts the monitor and waits until the container runs or its
start failed; ``stop`` files a user stop; ``forget`` removes the job. ``observed`` reads what the monitor recorded.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path

from runtime.errors import ContainerError
from runtime.supervise import job as jobs
from runtime.supervise.holder import ensure_monitor, monitor_pid, release

PROJECT_LABEL = "com.docker.compose.project"
STARTER = "runtime.starter:start"
PROBE_RUNNER = "runtime.starter:probe_runner"
START_TIMEOUT = 60.0


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


def start(directory: str, cid: str, job: dict, timeout: float = START_TIMEOUT) -> dict:
    """Hand the container to its monitor; return the monitor's state once it runs, raise if the start failed."""
    generation = secrets.token_hex(8)
    lock = jobs.control_lock(directory)  # not while an idle group's directory is being tidied away
    try:
        jobs.clear_stop(directory, cid)
        jobs.write_job(directory, cid, {**job, "generation": generation})
    finally:
        os.close(lock)
    ensure_monitor(directory, log=os.path.join(directory, "monitor.log"))
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
        time.sleep(0.01)


def _reason(error: str) -> str:
    """``ContainerStartError: start container 3f2a..: exec: ...`` -> ``exec: ...``."""
    text = error.split(": ", 1)[1] if error.startswith(("ContainerStartError: ", "ContainerError: ")) else error
    return re.sub(r"^start container [0-9a-f]{12}: ", "", text)


def stop(directory: str, cid: str, timeout: float) -> None:
    """A user stop: stop signal, SIGKILL after ``timeout``; never restarted."""
    jobs.request_stop(directory, cid, timeout)
    ensure_monitor(directory, log=os.path.join(directory, "monitor.log"))


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
    # Only the monitor that had the job forgets it; one that was leaving (idle) and got replaced meanwhile left
    # the state behind, and its successor never saw the job: the leftovers are removed here, with no wait.
    if before is not None and ensure_monitor(directory) == before:
        deadline = time.monotonic() + timeout
        while os.path.exists(jobs.state_path(directory, cid)) and time.monotonic() < deadline:
            if monitor_pid(directory) != before:
                break
            time.sleep(0.01)
    st = jobs.read_state(directory, cid) or {}
    for kept in (st.get("holder"), st.get("console_holder")):
        if (kept or {}).get("pid"):
            release(kept["pid"])
    with contextlib.suppress(FileNotFoundError):
        os.unlink(jobs.state_path(directory, cid))
    tidy_if_idle(directory)


def tidy_if_idle(directory: str) -> bool:
    """Remove the group's monitor directory once no monitor runs and only bookkeeping is left in it (so `down`
    leaves nothing under DOCKYARD_RUN). Under the control lock, so no caller is starting a monitor meanwhile."""
    from runtime.supervise.monitor import tidy

    if not os.path.isdir(directory):
        return True
    lock = jobs.control_lock(directory)
    try:
        return monitor_pid(directory) is None and tidy(directory)
    finally:
        os.close(lock)
