"""Healthchecks as Docker runs them: a pure state machine, the probe schedule, and a probe runner interface.

State machine (time passed in): status ``starting`` until the first success (-> ``healthy``) or ``retries``
consecutive failures (-> ``unhealthy``); failures that START inside ``start_period`` while still ``starting`` are
not counted, a success there makes the container healthy. Exit code 0 is success, anything else (1, other codes,
-1 for a timed-out or unrunnable probe) a failure. The last 5 results are kept, output truncated to 4 KiB + "...".
Schedule: the next probe is due ``interval`` after the previous one ended (``start_interval`` while inside the
start period and still starting); the first one ``interval`` (or ``start_interval``) after the container started.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from runtime.supervise.durations import parse_duration
from runtime.supervise.errors import PolicyError

STARTING, HEALTHY, UNHEALTHY, NONE = "starting", "healthy", "unhealthy", "none"
DEFAULT_INTERVAL = 30.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_START_PERIOD = 0.0
DEFAULT_START_INTERVAL = 5.0
MAX_LOG_ENTRIES = 5
MAX_OUTPUT = 4096
TIMEOUT_EXIT = -1


class HealthConfig(NamedTuple):
    """A resolved healthcheck. ``argv`` None means disabled (``NONE`` / ``disable: true`` / no healthcheck)."""

    argv: tuple[str, ...] | None
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    start_period: float = DEFAULT_START_PERIOD
    start_interval: float = DEFAULT_START_INTERVAL

    @property
    def enabled(self) -> bool:
        return self.argv is not None

    @classmethod
    def build(cls, test: Sequence[str] | str | None, *, interval: object = None, timeout: object = None,
              retries: int | None = None, start_period: object = None, start_interval: object = None,
              disable: bool = False, shell: Sequence[str] = ("/bin/sh", "-c")) -> HealthConfig:
        """Resolve compose/image healthcheck fields; zero or missing durations take Docker's defaults."""
        argv = None if disable else probe_argv(test, shell)
        if retries is not None and (isinstance(retries, bool) or int(retries) < 0):
            raise PolicyError(f"healthcheck.retries {retries!r}: must be 0 or more")
        return cls(
            argv=argv,
            interval=_dur(interval, DEFAULT_INTERVAL, "healthcheck.interval"),
            timeout=_dur(timeout, DEFAULT_TIMEOUT, "healthcheck.timeout"),
            retries=int(retries) if retries else DEFAULT_RETRIES,
            start_period=_dur(start_period, DEFAULT_START_PERIOD, "healthcheck.start_period"),
            start_interval=_dur(start_interval, DEFAULT_START_INTERVAL, "healthcheck.start_interval"),
        )


def _dur(value: object, default: float, what: str) -> float:
    if value is None:
        return default
    seconds = parse_duration(value, what=what)  # type: ignore[arg-type]
    return seconds if seconds > 0 else default


def probe_argv(test: Sequence[str] | str | None, shell: Sequence[str] = ("/bin/sh", "-c")) -> tuple[str, ...] | None:
    """``["CMD", a, b]`` -> (a, b); ``["CMD-SHELL", s]`` or a string -> shell + (s,); ``["NONE"]``/None -> None."""
    if test is None:
        return None
    if isinstance(test, str):
        return (*shell, test) if test.strip() else None
    items = list(test)
    if not items or items[0] == "NONE":
        return None
    kind, rest = items[0], items[1:]
    if kind == "CMD" and rest:
        return tuple(rest)
    if kind == "CMD-SHELL" and len(rest) == 1:
        return (*shell, rest[0])
    raise PolicyError(f"healthcheck.test {items!r}: start with CMD (argv), CMD-SHELL (one command) or NONE")


class ProbeResult(NamedTuple):
    """One probe: wall-clock start and end (epoch seconds), exit code (-1 on timeout), output (truncated)."""

    start: float
    end: float
    exit_code: int
    output: str


class HealthState(NamedTuple):
    """Health of one container run. ``started_at`` is when the container (re)started, on the probe clock."""

    started_at: float
    status: str = STARTING
    failing_streak: int = 0
    log: tuple[ProbeResult, ...] = ()


def initial(started_at: float) -> HealthState:
    """The state of a freshly (re)started container."""
    return HealthState(started_at=started_at)


def observe(config: HealthConfig, state: HealthState, result: ProbeResult) -> HealthState:
    """Fold one probe result into the state (Docker's handleProbeResult)."""
    log = (state.log + (result,))[-MAX_LOG_ENTRIES:]
    if result.exit_code == 0:
        return state._replace(status=HEALTHY, failing_streak=0, log=log)
    in_start_period = result.start - state.started_at < config.start_period
    if state.status == STARTING and in_start_period:
        return state._replace(log=log)
    streak = state.failing_streak + 1
    status = UNHEALTHY if streak >= config.retries else state.status
    return state._replace(status=status, failing_streak=streak, log=log)


def next_interval(config: HealthConfig, state: HealthState, now: float) -> float:
    """Seconds to wait before the next probe, decided at ``now`` (Docker's getInterval)."""
    if now - state.started_at >= config.start_period:
        return config.interval
    return config.start_interval if state.status == STARTING else config.interval


def schedule(config: HealthConfig, state: HealthState, now: float) -> float | None:
    """When (on the probe clock) the next probe is due, or None if checks are disabled."""
    if not config.enabled:
        return None
    base = state.log[-1].end if state.log else state.started_at
    return max(now, base + next_interval(config, state, base))


def turned_unhealthy(before: HealthState, after: HealthState) -> bool:
    """True on the transition into ``unhealthy`` (the moment an opt-in restart_on_unhealthy acts)."""
    return after.status == UNHEALTHY and before.status != UNHEALTHY


def should_restart_unhealthy(enabled: bool, before: HealthState, after: HealthState) -> bool:
    """The opt-in policy (``x-dockyard.restart_on_unhealthy``): restart once when a container turns unhealthy."""
    return enabled and turned_unhealthy(before, after)


def truncate_output(data: bytes) -> str:
    """Docker's limit: keep the first 4 KiB of output, mark the cut with "..."."""
    text = data[:MAX_OUTPUT].decode("utf-8", "replace")
    return text + "..." if len(data) > MAX_OUTPUT else text


def as_inspect(state: HealthState) -> dict:
    """The ``State.Health`` object of ``inspect`` (Status, FailingStreak, Log with RFC 3339 times)."""
    from runtime.supervise.logs import format_time

    return {
        "Status": state.status,
        "FailingStreak": state.failing_streak,
        "Log": [{"Start": format_time(int(r.start * 1e9)), "End": format_time(int(r.end * 1e9)),
                 "ExitCode": r.exit_code, "Output": r.output} for r in state.log],
    }


class ProbeRunner(Protocol):
    """Runs one probe command and reports it. The container runner execs into the container's namespaces."""

    def run(self, argv: Sequence[str], timeout: float) -> ProbeResult: ...


class HostProbeRunner:
    """Runs probe commands on the host (tests, and the shape the container runner follows).

    The probe gets its own process group; at the timeout the whole group is killed, so a hung
    ``sh -c 'sleep 100'`` leaves nothing behind. Output is stdout and stderr together, as Docker keeps it.
    """

    def run(self, argv: Sequence[str], timeout: float) -> ProbeResult:
        start = time.time()
        read_fd, write_fd = os.pipe()
        try:
            pid = _spawn(argv, write_fd)
        except OSError as exc:
            os.close(read_fd)
            os.close(write_fd)
            return ProbeResult(start, time.time(), TIMEOUT_EXIT, f"probe {argv[0]!r} could not start: {exc}")
        os.close(write_fd)
        pidfd = os.pidfd_open(pid)
        try:
            data, timed_out = _collect(read_fd, pidfd, time.monotonic() + timeout)
        finally:
            os.close(read_fd)
            os.close(pidfd)
        _kill_group(pid)  # on timeout the probe, else strays that outlived it; the zombie leader keeps the group ours
        status = os.waitpid(pid, 0)[1]
        if timed_out:
            return ProbeResult(start, time.time(), TIMEOUT_EXIT, f"Health check exceeded timeout ({timeout:g}s)")
        return ProbeResult(start, time.time(), os.waitstatus_to_exitcode(status), truncate_output(data))


def _spawn(argv: Sequence[str], out_fd: int) -> int:
    from runtime.supervise.hostproc import close_inherited

    null = os.open(os.devnull, os.O_RDONLY)
    try:
        return os.posix_spawnp(
            argv[0], list(argv), dict(os.environ),
            file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out_fd, 1),
                          (os.POSIX_SPAWN_DUP2, out_fd, 2), *close_inherited()],
            setpgroup=0, setsigdef=(signal.SIGPIPE,),
        )
    finally:
        os.close(null)


def _collect(fd: int, pidfd: int, deadline: float) -> tuple[bytes, bool]:
    """Read output until the probe exits (then drain what is buffered) or the deadline passes."""
    import select

    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    exited, open_ = False, True
    while not exited:
        left = deadline - time.monotonic()
        events = poller.poll(max(left, 0) * 1000) if left > 0 else []
        if not events:
            return b"".join(chunks), True
        for ready, _ in events:
            if ready == pidfd:
                exited = True
            elif open_ and not _read_into(fd, chunks):
                poller.unregister(fd)
                open_ = False
    os.set_blocking(fd, False)
    while open_ and _read_into(fd, chunks):
        pass
    return b"".join(chunks), False


def _read_into(fd: int, chunks: list[bytes]) -> bool:
    """Read once; False at EOF or when nothing is buffered. Keeps only what truncation needs."""
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return False
    if data and sum(map(len, chunks)) <= MAX_OUTPUT:
        chunks.append(data)
    return bool(data)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
