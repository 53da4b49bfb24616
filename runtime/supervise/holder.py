"""Keeping containers' output pipes alive without a daemon: fd holders, and starting a detached monitor.

Holder: a container's stdout/stderr are pipes; if their only reader (the monitor) died, the next write would
get SIGPIPE/EPIPE and kill or break the container. So each container's pipe ends (both read and write ends,
so a new incarnation after a restart reuses the same pipes) are also inherited by a holder: ``sleep infinity``
exec'd under the name ``dockyard-holder`` in its own session. It never reads; it costs about 0.25 MB PSS (measured,
see monitor.py). A monitor that adopts the container later reopens the very same pipes through
``/proc/<holder>/fd/<n>`` (``reclaim``). When the container is removed the monitor kills the holder by pid.

Monitor: ``spawn_monitor`` starts ``python -S -m runtime.supervise.monitor <dir>`` detached (double fork, setsid,
stdio on /dev/null), so the CLI's exit, Ctrl-C or ``kill -9`` never reaches it or its containers.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys

from runtime.supervise.hostproc import close_inherited

HOLDER_NAME = "dockyard-holder"
F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20
_SLEEP = ("/bin/sleep", "/usr/bin/sleep")


def spawn_holder(fds: dict[str, int], *, wait: bool = True) -> tuple[int, dict[str, int]]:
    """Start a holder keeping duplicates of ``fds``; returns its pid and each name's fd number inside it.

    ``wait=False`` returns before the holder has exec'd (a ms or two, overlapped with the container's start):
    the caller then calls ``await_exec`` before it records the pid anywhere another process looks."""
    sleep = next((p for p in _SLEEP if os.path.exists(p)), "sleep")
    high = {name: fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for name, fd in fds.items()}
    slots = {name: 3 + index for index, name in enumerate(sorted(high))}
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    actions = close_inherited()
    actions += [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    actions += [(os.POSIX_SPAWN_DUP2, high[name], slot) for name, slot in slots.items()]
    try:
        pid = os.posix_spawnp(sleep, [HOLDER_NAME, "infinity"], {}, file_actions=actions, setsid=True,
                              setsigdef=(signal.SIGPIPE, signal.SIGTERM, signal.SIGINT, signal.SIGHUP))
    finally:
        os.close(null)
        for fd in high.values():
            os.close(fd)
    if wait:
        await_exec(pid)
    return pid, slots


def await_exec(pid: int) -> None:
    """Return once the holder shows its name (``is_holder`` must recognise it before anyone checks)."""
    import time

    deadline = time.monotonic() + 5
    while not is_holder(pid) and time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            from runtime.supervise.errors import MonitorError

            raise MonitorError(f"start pipe holder: {pid} exited at once; is /bin/sleep missing?")
        time.sleep(0.001)


def make_pipes() -> dict[str, int]:
    """A container's stdout and stderr pipes (``stdout_r``, ``stdout_w``, ...): read ends non-blocking, 1 MiB
    buffers where allowed (room for output while no monitor reads)."""
    fds: dict[str, int] = {}
    for stream in ("stdout", "stderr"):
        r, w = os.pipe2(os.O_CLOEXEC)
        try:
            fcntl.fcntl(r, F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass
        os.set_blocking(r, False)
        fds[f"{stream}_r"], fds[f"{stream}_w"] = r, w
    return fds


def reclaim_all(pid: int | None, slots: dict[str, int]) -> dict[str, int] | None:
    """Reopen every pipe end a live holder keeps (None if it is gone): read ends non-blocking."""
    if not pid or not is_holder(pid) or len(slots) != 4:
        return None
    fds = {}
    for key, slot in slots.items():
        fds[key] = reclaim(pid, slot, os.O_RDONLY if key.endswith("_r") else os.O_WRONLY)
        if key.endswith("_w"):
            os.set_blocking(fds[key], True)
    return fds


def is_holder(pid: int) -> bool:
    """True if ``pid`` is a dockyard holder (checked before reclaiming or killing)."""
    from runtime.linux.files import read_bytes

    try:
        return read_bytes(f"/proc/{pid}/cmdline").split(b"\0", 1)[0] == HOLDER_NAME.encode()
    except (FileNotFoundError, ProcessLookupError):
        return False


def reclaim(pid: int, slot: int, flags: int = os.O_RDONLY) -> int:
    """A new descriptor of the pipe the holder keeps in ``slot`` (opened through /proc)."""
    return os.open(f"/proc/{pid}/fd/{slot}", flags | os.O_CLOEXEC | os.O_NONBLOCK)


def release(pid: int) -> None:
    """Kill a holder (by pid, after checking it is one). Safe to call twice."""
    if is_holder(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def package_root() -> str:
    """The directory holding the ``runtime`` package (put on the monitor's path; ``-S`` skips site)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def spawn_monitor(directory: str, *, python: str | None = None, log: str | None = None, linger: float = 0.0,
                  warm: str | None = None) -> int:
    """Start a detached monitor for the jobs in ``directory``; returns its pid (also in ``<dir>/monitor.pid``).
    ``linger``: seconds it waits for a first job before it leaves idle; ``warm``: a starter it loads meanwhile."""
    os.makedirs(directory, exist_ok=True)
    argv = [python or sys.executable, "-S", "-m", "runtime.supervise.monitor", os.path.abspath(directory)]
    argv += ["--linger", str(linger)] if linger else []
    argv += ["--warm", warm] if warm else []
    env = {key: value for key, value in os.environ.items() if key.startswith("DOCKYARD_")}
    env.update(PATH=os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), PYTHONPATH=package_root(),
               PYTHONDONTWRITEBYTECODE="1")
    read_fd, write_fd = os.pipe()
    first = os.fork()
    if first == 0:  # pragma: no cover - runs in the child
        _detach_and_exec(argv, env, write_fd, read_fd, log)
    os.close(write_fd)
    os.waitpid(first, 0)
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    if not data.strip().isdigit():
        from runtime.supervise.errors import MonitorError

        raise MonitorError(f"start monitor for {directory}: {data.decode(errors='replace') or 'no pid reported'}")
    pid = int(data)
    _claim_pidfile(directory, pid)
    return pid


def _claim_pidfile(directory: str, pid: int) -> None:
    """Write the new monitor's pidfile for it once it has exec'd (a few ms), before the caller lets go of the
    control lock: callers right behind (parallel starts) then find it instead of each starting another one in
    the ~0.1 s it takes to come up. It writes the same record itself once it holds its lock."""
    import time

    from runtime.supervise.job import PIDFILE, process_start_time, write_json

    deadline = time.monotonic() + 5
    while not _is_monitor(pid):
        if process_start_time(pid) is None or time.monotonic() >= deadline:
            return  # gone (exec failed) or slow: callers fall back to starting one, which defers to the first
        time.sleep(0.001)
    start = process_start_time(pid)
    if start is not None:
        write_json(os.path.join(directory, PIDFILE), {"pid": pid, "start_time": start})


def _detach_and_exec(argv: list[str], env: dict, report_fd: int, other_fd: int, log: str | None) -> None:
    """First child: new session, fork again, report the grandchild's pid, exit. The grandchild execs."""
    try:
        os.close(other_fd)
        os.setsid()
        pid = os.fork()
        if pid:
            os.write(report_fd, str(pid).encode())
            os._exit(0)
        os.close(report_fd)
        null = os.open(os.devnull, os.O_RDWR)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640) if log else null
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.closerange(3, 1024)
        for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [signal.SIGHUP])  # held until its handler is in (install_signals)
        os.chdir("/")
        os.execve(argv[0], argv, env)
    except BaseException as exc:  # noqa: BLE001 - report anything to the parent, never return into its code
        try:
            os.write(report_fd, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(127)


def ensure_monitor(directory: str, *, python: str | None = None, log: str | None = None, linger: float = 0.0,
                   warm: str | None = None) -> int:
    """Make the directory's monitor pick up job changes: poke the live one (SIGHUP) or start one. Returns its pid.

    Write or remove job files first, then call this (the monitor rescans after its pidfile goes away, so a job
    written before this call is never missed). With ``linger`` (ahead of any job: see ``spawn_monitor``) a live
    monitor is left alone, there being nothing new to read.
    """
    from runtime.supervise.job import control_lock

    lock = control_lock(directory)
    try:
        pid = monitor_pid(directory)
        if pid:
            if not linger:
                os.kill(pid, signal.SIGHUP)
            return pid
        return spawn_monitor(directory, python=python, log=log, linger=linger, warm=warm)
    finally:
        os.close(lock)


def _is_monitor(pid: int) -> bool:
    from runtime.linux.files import read_bytes

    try:
        return b"runtime.supervise.monitor" in read_bytes(f"/proc/{pid}/cmdline")
    except (FileNotFoundError, ProcessLookupError):
        return False


def monitor_pid(directory: str) -> int | None:
    """The live monitor of ``directory`` (pid checked against its start time), or None."""
    from runtime.supervise.job import PIDFILE, is_alive, read_json

    current = read_json(os.path.join(directory, PIDFILE)) or {}
    pid = current.get("pid")
    return pid if pid and is_alive(pid, current.get("start_time")) and _is_monitor(pid) else None
