"""Processes tied to the caller's terminal: ``dockyard container run`` in the foreground, and ``exec``.

An attached run is started by the calling process itself (its stdout/stderr are the container's), which records
start and exit in the container's record; Ctrl-C stops the container with its stop signal (SIGKILL after the grace
period). ``exec`` runs a command in a running container through ``runtime.process.exec``.
"""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Callable

from runtime import containers as cs
from runtime import spec as low
from runtime.errors import ContainerError
from runtime.process import launcher


def run_attached(store: cs.ContainerStore, cid: str, spec: low.ContainerSpec, log: dict, stdin: bool = False) -> int:
    """Start in the foreground; its stdout/stderr are copied to ours and to its log. Returns the exit code (raises
    on a start error)."""
    from runtime.supervise.logs import LogOptions, LogWriter

    writer = LogWriter(store.log_path(cid), LogOptions.build(log["driver"], log["options"]))
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        proc = launcher.start(spec, stdio=(0 if stdin else null, out_w, err_w))
    except ContainerError as exc:
        os.close(out_r)
        os.close(err_r)
        writer.close()
        code, reason = getattr(exc, "exit_code", 125), str(exc)
        store.update(cid, lambda r: r.update(state=cs.EXITED, exit_code=code, finished_at=cs.now_rfc3339(),
                                             error=reason))
        raise
    finally:
        for fd in (null, out_w, err_w):
            os.close(fd)
    store.update(cid, lambda r: r.update(state=cs.RUNNING, pid=proc.pid, pid_start=cs.pid_start_time(proc.pid),
                                         started_at=cs.now_rfc3339(), holder_pid=os.getpid(),
                                         holder_start=cs.pid_start_time(os.getpid())))
    try:
        if proc.console is not None:  # tty: the pipes only see EOF; the pty carries the output (as stdout)
            os.close(out_r)
            os.close(err_r)
            _relay_console(proc, stdin=0 if stdin else None, on_output=lambda data: writer.write("stdout", data))
        else:
            _copy_output(proc, {out_r: (1, "stdout"), err_r: (2, "stderr")}, writer)
        code = _wait_interruptible(proc)
    finally:
        if proc.exit_code is None:
            proc.kill()
            proc.wait()
        writer.close()
        final = proc.exit_code
        store.update(cid, lambda r: r.update(state=cs.EXITED, exit_code=final, oom_killed=proc.oom_killed,
                                             finished_at=cs.now_rfc3339()))
    return code


def _copy_output(proc: launcher.ContainerProcess, fds: dict[int, tuple[int, str]], writer) -> None:
    """Until both pipes close: each chunk to our stdout/stderr and to the log. Ctrl-C stops the container."""
    interrupts = 0
    while fds:
        try:
            ready = select.select(list(fds), [], [])[0]
        except KeyboardInterrupt:
            interrupts += 1
            proc.kill(proc.spec.stop_signal if interrupts == 1 else signal.SIGKILL)
            continue
        for fd in ready:
            data = os.read(fd, 65536)
            if not data:
                os.close(fd)
                del fds[fd]
                continue
            target, stream = fds[fd]
            _write_all(target, data)
            writer.write(stream, data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BrokenPipeError:
            return  # our reader went away; the log still gets everything


def _wait_interruptible(proc: launcher.ContainerProcess) -> int:
    """Wait; the first Ctrl-C stops the container gracefully, a second one kills it."""
    interrupts = 0
    while True:
        try:
            return proc.wait()  # type: ignore[return-value]
        except KeyboardInterrupt:
            interrupts += 1
            proc.kill(proc.spec.stop_signal if interrupts == 1 else signal.SIGKILL)


def exec_in(rec: dict, spec: low.ContainerSpec, argv: tuple[str, ...], user: str | None, workdir: str | None,
            env: tuple[str, ...], tty: bool, interactive: bool) -> int:
    """Run ``argv`` inside the running container (its namespaces, cgroup, capabilities, seccomp filter), stdio the
    caller's; with ``tty`` on a pty from the container, relayed to the caller's terminal (raw mode while it runs).
    Returns the exit code."""
    from runtime.process import exec as process_exec

    if not argv:
        raise ContainerError(f"exec in container {rec['name']}: no command given")
    pid = rec["pid"]
    if not cs.pid_alive(pid, rec.get("pid_start")):
        raise ContainerError(f"exec in container {rec['name']}: its process is gone")
    container = launcher.ContainerProcess(spec, pid, None)  # a handle on the running init (not our child)
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        who = low.User(user, spec.process.user.group_add) if user is not None else None
        proc = process_exec.exec_in(container, tuple(argv), env=env, user=who, cwd=workdir,
                                    stdio=(0 if interactive else null, 1, 2), tty=tty)
    finally:
        os.close(null)
        container.close()
    if proc.console is not None:
        _relay_console(proc, stdin=0 if interactive else None)
    return _wait_interruptible(proc)


def _relay_console(proc: launcher.ContainerProcess, stdin: int | None,
                   on_output: Callable[[bytes], None] = lambda _data: None) -> None:
    """The pty to the caller's terminal until it hangs up or the process exits; the master is closed after."""
    from runtime import terminal

    master, proc.console = proc.console, None
    try:
        terminal.relay(master, proc.fileno(), stdin=stdin, on_output=on_output)  # type: ignore[arg-type]
    except KeyboardInterrupt:  # the caller's terminal was not raw (not a tty): stop as a foreground run does
        proc.kill(proc.spec.stop_signal)
    finally:
        os.close(master)  # type: ignore[arg-type]
