"""``exec`` into a running container: same namespaces, cgroup, capabilities and seccomp filter as its init.

A forked helper joins the container's cgroup and namespaces (mount last), then forks the command so that it lands
in the container's pid namespace; the helper stays as its parent, forwards signals and exits with its status.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import sys as _python
from collections.abc import Callable
from typing import NoReturn

from runtime.errors import ContainerError
from runtime.linux import capabilities, namespaces, seccomp
from runtime.linux import syscalls as sc
from runtime.linux.cgroups import CgroupDriver
from runtime.process import init, launcher, limits
from runtime.spec import ContainerSpec, ProcessSpec, User, merge_env

# setns order: everything that needs the host's /proc first, the mount namespace last.
JOIN_ORDER = (("cgroup", "cgroup"), ("ipc", "ipc"), ("uts", "uts"), ("net", "net"), ("pid", "pid"), ("mnt", "mount"))


@dataclasses.dataclass(frozen=True)
class ExecPlan:
    pid: int  # the container's init, host view
    process: ProcessSpec
    hostname: str
    caps: int
    last_cap: int
    seccomp_bpf: bytes | None
    rlimits: tuple[tuple[int, int, int], ...]
    stdio: launcher.Stdio
    console_fd: int = -1  # with a tty: a unix socket the command sends its pty master back on


def exec_in(container: launcher.ContainerProcess, args: tuple[str, ...], *, env: tuple[str, ...] = (),
            user: User | None = None, cwd: str | None = None, stdio: launcher.Stdio = (None, None, None),
            tty: bool = False, sys: sc.Syscalls | None = None,
            cgroups: CgroupDriver | None = None) -> launcher.ContainerProcess:
    """Run ``args`` inside ``container`` (env added to the container's, user and cwd defaulting to its own).

    Returns once the command has exec'd; its ``wait()`` gives the command's exit code. With ``tty`` the command
    gets a pty from the container's devpts as its controlling terminal and stdio; the handle's ``console`` is the
    master (the caller relays it and closes it).
    """
    spec = container.spec
    if container.exit_code is not None:
        raise ContainerError(f"exec in {spec.short_id}: the container is not running")
    sys = sys or launcher.default_syscalls()
    plan = _plan(spec, container.pid, args, env, user, cwd, stdio, sys)
    driver = cgroups or launcher.default_driver()
    if not tty:
        pid = _spawn_helper(sys, plan, driver, spec.id)
        return launcher.ContainerProcess(dataclasses.replace(spec, process=plan.process), pid, None)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    with ours, theirs:
        pid = _spawn_helper(sys, dataclasses.replace(plan, console_fd=theirs.fileno()), driver, spec.id,
                            after_fork=theirs.close)
        proc = launcher.ContainerProcess(dataclasses.replace(spec, process=plan.process), pid, None)
        _, fds, _, _ = socket.recv_fds(ours, 16, 1)
    if not fds:
        proc.kill()
        proc.wait()
        raise ContainerError(f"exec in {spec.short_id}: tty: the command sent no terminal")
    proc.console = fds[0]
    return proc


def _spawn_helper(sys: sc.Syscalls, plan: ExecPlan, driver: CgroupDriver, cid: str,
                  after_fork: Callable[[], None] = lambda: None) -> int:
    """Fork the helper; return its pid once the command has exec'd, or raise its typed failure."""
    errr, errw = launcher.make_pipe()
    try:
        pid = sys.fork(new_pid_ns=False)
        if pid == 0:
            os.close(errr)
            _helper_main(sys, plan, driver, cid, errw)
        after_fork()
        os.close(errw)
        errw = -1
        report = launcher.read_all(errr)
    finally:
        os.close(errr)
        if errw >= 0:
            os.close(errw)
    if report:
        _, status = os.waitpid(pid, 0)
        raise launcher.start_error(cid, report, os.waitstatus_to_exitcode(status))
    return pid


def _plan(spec: ContainerSpec, pid: int, args: tuple[str, ...], env: tuple[str, ...], user: User | None,
          cwd: str | None, stdio: launcher.Stdio, sys: sc.Syscalls) -> ExecPlan:
    process = dataclasses.replace(spec.process, args=tuple(args), env=merge_env(spec.process.env, env),
                                  user=user or spec.process.user, cwd=cwd or spec.process.cwd)
    try:
        caps = capabilities.effective_set(spec.security, capabilities.available_mask())
        rlimits = limits.rlimit_plan(process.rlimits)
    except ValueError as exc:
        raise ContainerError(f"exec in {spec.short_id}: {exc}") from exc
    sec = spec.security
    bpf = None if sec.privileged or sec.seccomp == "unconfined" else seccomp.compile_default(sys, caps)
    return ExecPlan(pid, process, spec.hostname or spec.short_id, caps, launcher.last_cap_cached(), bpf, rlimits, stdio)


def _helper_main(sys: sc.Syscalls, plan: ExecPlan, driver: CgroupDriver, cid: str, errw: int) -> NoReturn:
    _python.meta_path.clear()  # no import may read the container's files (see init.child_main)
    step = ["join"]
    try:
        init.reset_signals()
        init.apply_stdio(plan.stdio)
        sys.prctl(sc.PR_SET_DUMPABLE, 0)
        driver.open(cid).join_self()
        fds = [(sys.open(f"/proc/{plan.pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), kind)
               for name, kind in JOIN_ORDER]
        for fd, kind in fds:
            sys.setns(f"/proc/self/fd/{fd}", namespaces.FLAGS[kind])
            os.close(fd)
        child = os.fork()
        if child == 0:
            _command(sys, plan, errw, step)
        os.close(errw)
        _relay(child)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        init.report_failure(errw, step[0], exc)
        code = 127 if isinstance(exc, init.ExecError) else init.EXIT_SETUP_FAILED
        os._exit(code)


def _command(sys: sc.Syscalls, plan: ExecPlan, errw: int, step: list[str]) -> NoReturn:
    """In the container's pid namespace: session, identity, limits, fds, cwd, security, exec (as init does)."""
    step[0] = "session"
    init.new_session()
    ident, env = init.become(sys, plan.process, plan.hostname, plan.rlimits, plan.console_fd, errw, step)
    step[0] = "working dir"
    init.chdir_inside(sys, plan.process.cwd)
    init.secure(sys, plan.caps, plan.last_cap, plan.seccomp_bpf, ident, plan.process.no_new_privileges, step)
    step[0] = "exec"
    init.exec_command(plan.process.args, env)


def _relay(child: int) -> NoReturn:
    """Forward signals to the command and exit with its status (128+N when it died of signal N)."""
    for sig in init.FORWARDED:
        signal.signal(sig, lambda s, _f: os.kill(child, s))
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)
