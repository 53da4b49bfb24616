"""What a monitor is told (one JSON job file per container) and what it records (one JSON state file each).

A monitor watches a directory: ``<dir>/<name>.json`` is a job, ``<dir>/<name>.stop`` asks it to stop that
container (a user stop: no restart), ``<dir>/<name>.state.json`` is the state it keeps (atomic writes), and
``<dir>/monitor.pid`` names the monitor. Callers write jobs with ``write_job`` and then ``notify`` the monitor.
A caller waiting for a container's state to change may make a FIFO ``<dir>/<name>.wake`` and read it: the
monitor writes a byte there after each write (or the removal) of that state (``wake``), so waiters need not poll.
Only ``os``/``json`` here: the monitor must stay lean.
"""

from __future__ import annotations

import json
import os
import signal

from runtime.linux.files import read_bytes

JOB_SUFFIX = ".json"
STATE_SUFFIX = ".state.json"
STOP_SUFFIX = ".stop"
WAKE_SUFFIX = ".wake"
PIDFILE = "monitor.pid"
CONTROL_LOCK = "control.lock"


def job_path(directory: str, name: str) -> str:
    return os.path.join(directory, name + JOB_SUFFIX)


def state_path(directory: str, name: str) -> str:
    return os.path.join(directory, name + STATE_SUFFIX)


def stop_path(directory: str, name: str) -> str:
    return os.path.join(directory, name + STOP_SUFFIX)


def wake_path(directory: str, name: str) -> str:
    return os.path.join(directory, name + WAKE_SUFFIX)


def write_json(path: str, data: dict) -> None:
    """Readers see the old or the new content, never a torn file (temp + rename).

    No fsync: these files live under DOCKYARD_RUN (a tmpfs by default, like /run) and describe processes that a
    reboot ends anyway; the rename alone is atomic for every process that reads them, crashed writers included.
    """
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, json.dumps(data, indent=1, sort_keys=True).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def wake(directory: str, name: str) -> None:
    """Tell whoever waits on ``<name>.wake`` (a FIFO, if a caller made one) that the state changed. Never blocks."""
    try:
        fd = os.open(wake_path(directory, name), os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # no such FIFO, or nobody reads it (ENXIO)
        return
    try:
        os.write(fd, b".")
    except OSError:  # full: the waiter has wakes pending already; or not a FIFO
        pass
    finally:
        os.close(fd)


def read_json(path: str) -> dict | None:
    try:
        return json.loads(read_bytes(path))
    except (FileNotFoundError, ValueError):
        return None


def write_job(directory: str, name: str, job: dict) -> None:
    """Add or replace a container's job. Keys: argv, env, cwd, log_path, log {driver, options}, restart (text) or
    deploy_restart {condition, delay, max_attempts, window}, health {test, interval, ...} (optional),
    restart_on_unhealthy (bool), stop_signal (int), stop_timeout (s), starter ("module:function", optional)."""
    os.makedirs(directory, exist_ok=True)
    write_json(job_path(directory, name), {**job, "name": name})


def request_stop(directory: str, name: str, timeout: float = 10.0) -> None:
    """Ask the monitor to stop ``name`` as a user stop (never restarted); call ``notify`` afterwards."""
    write_json(stop_path(directory, name), {"timeout": timeout})


def clear_stop(directory: str, name: str) -> None:
    """Undo ``request_stop`` (``start``): the monitor starts the container again on its next scan."""
    try:
        os.unlink(stop_path(directory, name))
    except FileNotFoundError:
        pass


def job_names(directory: str) -> list[str]:
    try:
        entries = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(e[: -len(JOB_SUFFIX)] for e in entries
                  if e.endswith(JOB_SUFFIX) and not e.endswith(STATE_SUFFIX) and not e.startswith("."))


def read_state(directory: str, name: str) -> dict | None:
    """The container's recorded state (status, pid, exit_code, restart_count, health, ...), or None."""
    return read_json(state_path(directory, name))


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` (clock ticks since boot); with the pid it names one process for good."""
    try:
        stat = read_bytes(f"/proc/{pid}/stat")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rfind(b")") + 2:].split()
    return int(fields[19])


def exit_code(status: int) -> int:
    """A ``waitpid`` status as Docker records it: the exit code, or 128+N for death by signal N."""
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def is_alive(pid: int | None, start_time: int | None) -> bool:
    """True if ``pid`` still is the process that had ``start_time`` and has not exited (zombies count as gone)."""
    if not pid or start_time is None:
        return False
    try:
        stat = read_bytes(f"/proc/{pid}/stat")
    except (FileNotFoundError, ProcessLookupError):
        return False
    fields = stat[stat.rfind(b")") + 2:].split()
    return int(fields[19]) == start_time and fields[0] not in (b"Z", b"X")


def remove_job(directory: str, name: str) -> None:
    """Forget a container: its job, stop request and state go; a live monitor kills what still runs and its holder
    (poked with SIGHUP); with no monitor this does it here. Log files are left to the caller."""
    from runtime.supervise import holder

    state = read_state(directory, name) or {}
    for path in (job_path(directory, name), stop_path(directory, name)):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    lock = control_lock(directory)
    try:
        monitor = holder.monitor_pid(directory)
        if monitor:
            os.kill(monitor, signal.SIGHUP)
            return
        if is_alive(state.get("pid"), state.get("pid_start")):
            os.kill(state["pid"], signal.SIGKILL)
        for kept in (state.get("holder"), state.get("console_holder")):
            if (kept or {}).get("pid"):
                holder.release(kept["pid"])
        try:
            os.unlink(state_path(directory, name))
        except FileNotFoundError:
            pass
    finally:
        os.close(lock)


def control_lock(directory: str) -> int:
    """Take the directory's control lock (flock); returns the fd to close to release it.

    Held by a caller while it checks for a monitor and pokes or starts one, and by a monitor while it decides to
    exit (kept until it is gone): so a job is always seen by a monitor that lives on, or a new one is started.
    """
    import fcntl

    path = os.path.join(directory, CONTROL_LOCK)
    while True:
        try:
            os.makedirs(directory, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except (FileNotFoundError, FileExistsError):  # an idle group's directory is being tidied away meanwhile
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        # The holder before us may have tidied the directory (lock file included) away: a lock on an unlinked
        # file excludes nobody, so take the one that is at the path now.
        try:
            now, held = os.stat(path), os.fstat(fd)
            if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


OWN_FILES = frozenset({PIDFILE, CONTROL_LOCK, "monitor.lock", "monitor.log"})


def tidy(directory: str) -> bool:
    """Remove an idle monitor's directory when nothing but its own bookkeeping is left (no job, no state, an empty
    log; wake FIFOs count as bookkeeping: one is left only by a waiter that died), so that `down` leaves nothing
    under DOCKYARD_RUN. Called with the control lock held; a job written meanwhile makes the final rmdir fail, and
    the directory stays for the next monitor. True if it is gone."""
    try:
        names = set(os.listdir(directory))
        log = os.path.join(directory, "monitor.log")
        if _others(names) or (os.path.exists(log) and os.path.getsize(log) > 0):
            return False
        for name in names:
            _unlink(os.path.join(directory, name))
        os.rmdir(directory)
        return True
    except OSError:
        return False


def has_work(directory: str) -> bool:
    """Whether the directory holds a job or state file (so ``tidy`` would keep it); False if it is gone."""
    try:
        return bool(_others(set(os.listdir(directory))))
    except OSError:
        return False


def _others(names: set[str]) -> set[str]:
    return {name for name in names - OWN_FILES if not name.endswith(WAKE_SUFFIX)}


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
