"""The child side of a start: namespaces -> cgroup -> rootfs -> identity -> limits -> security -> exec.

Runs in the forked child (pid 1 of its pid namespace). Every failure is written to the error pipe as one JSON
object naming the step, then the child exits; it never falls back to running anything on the host. A successful
exec closes the (CLOEXEC) pipe, which is how the parent learns the container started.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import os
import signal
import socket
import sys as _python
import termios
from typing import NamedTuple, NoReturn

from runtime.errors import KernelError
from runtime.linux import capabilities, namespaces
from runtime.linux import syscalls as sc
from runtime.linux.cgroups import Cgroup
from runtime.process import identity
from runtime.rootfs import setup

EXIT_SETUP_FAILED = 125
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGWINCH, signal.SIGALRM, signal.SIGCONT)


class ChildPlan(NamedTuple):
    """Everything the child needs, worked out by the parent so the child only acts. A NamedTuple, not a dataclass
    (cheaper to define, and this module loads on every start): changed copies come from ``_replace``."""

    rootfs: setup.RootfsPlan
    ns: namespaces.NamespacePlan
    cgroup: Cgroup | None  # by path; the parent creates it while the child mounts, then writes b"1" to sync_fd
    sync_fd: int
    caps: int
    last_cap: int
    seccomp_bpf: bytes | None
    rlimits: tuple[tuple[int, int, int], ...]
    stdio: tuple[int | None, int | None, int | None]
    hostname: str
    console_fd: int = -1  # with a tty: a unix socket to send the pty master back on


class ExecError(Exception):
    def __init__(self, argv0: str, err: int) -> None:
        self.errno = err
        if err == errno.ENOENT:
            msg = f'exec: "{argv0}": executable file not found in $PATH'
        else:
            msg = f'exec: "{argv0}": {os.strerror(err)}'
        super().__init__(msg)


def child_main(sys: sc.Syscalls, plan: ChildPlan, errw: int) -> NoReturn:
    """Entry point in the child; never returns."""
    # After pivot_root, a lazy import would read Python files from the container's rootfs while this process
    # still holds every capability: forbid imports outright (everything the child needs is imported already).
    _python.meta_path.clear()  # no finders at all: any import not already done fails
    gc.disable()  # a collection would walk (and copy-on-write) the parent's whole heap; the child lives briefly
    step = ["start"]
    code = EXIT_SETUP_FAILED
    try:
        _setup(sys, plan, errw, step)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported, none swallowed
        code = 127 if isinstance(exc, ExecError) and exc.errno == errno.ENOENT else code
        code = 126 if isinstance(exc, ExecError) and exc.errno != errno.ENOENT else code
        report_failure(errw, step[0], exc)
    os._exit(code)


def report_failure(errw: int, step: str, exc: BaseException) -> None:
    msg = {"step": step, "type": type(exc).__name__, "message": str(exc) or repr(exc),
           "errno": getattr(exc, "errno", None), "op": getattr(exc, "op", None), "path": getattr(exc, "path", None)}
    try:
        os.write(errw, json.dumps(msg).encode())
    except OSError:
        pass


def _setup(sys: sc.Syscalls, plan: ChildPlan, errw: int, step: list[str]) -> None:
    spec = plan.rootfs.spec
    step[0] = "stdio"
    reset_signals()
    apply_stdio(plan.stdio)
    step[0] = "session"
    new_session()
    sys.prctl(sc.PR_SET_DUMPABLE, 0)
    step[0] = "namespaces"
    sys.unshare(plan.ns.clone_flags & ~sc.CLONE_NEWPID)  # the pid namespace came with the fork
    for kind, path in plan.ns.joins:
        sys.setns(path, namespaces.FLAGS[kind])
    if plan.ns.clone_flags & sc.CLONE_NEWNET:  # a fresh netns (network_mode none): loopback works as in Docker
        step[0] = "loopback"
        sys.set_loopback_up()
    step[0] = "hostname"
    if plan.ns.clone_flags & sc.CLONE_NEWUTS:
        sys.sethostname(plan.hostname)
        if spec.domainname:
            sys.setdomainname(spec.domainname)
    step[0] = "rootfs"
    cwd = setup.prepare(sys, plan.rootfs, lambda: _join_cgroup(sys, plan, step))
    ident, env = become(sys, spec.process, plan.hostname, plan.rlimits, plan.console_fd, errw, step)
    step[0] = "working dir"
    chdir_inside(sys, cwd)
    secure(sys, plan.caps, plan.last_cap, plan.seccomp_bpf, ident, spec.process.no_new_privileges, step)
    step[0] = "exec"
    if spec.init:
        _tiny_init(spec.process.args, env, errw)
    exec_command(spec.process.args, env)


def become(sys: sc.Syscalls, process, hostname: str, rlimits, console_fd: int, errw: int,
           step: list[str]) -> tuple:
    """The steps the container's first process and every exec'd one share once inside: resolve the user in the
    container's /etc files, build the environment, set rlimits, take the terminal, close every fd but ``errw``
    (before chdir: no inherited fd may serve as a /proc/self/fd/N way out). Returns (identity, env)."""
    step[0] = "user"
    ident = identity.resolve(process.user)
    env = identity.process_env(process.env, ident, hostname)
    step[0] = "ulimits"
    for rid, soft, hard in rlimits:
        sys.setrlimit(rid, soft, hard)
    if console_fd >= 0:
        step[0] = "tty"
        setup_console(console_fd)
    step[0] = "fds"
    os.closerange(3, errw)
    os.closerange(errw + 1, 2**31 - 1)
    return ident, env


def _join_cgroup(sys: sc.Syscalls, plan: ChildPlan, step: list[str]) -> None:
    """Wait for the parent's go (its cgroup is ready), join the cgroup, then create the cgroup namespace."""
    step[0] = "cgroup"
    go = os.read(plan.sync_fd, 1)
    os.close(plan.sync_fd)
    if go != b"1":
        raise ChildProcessError("the parent gave up before the container's cgroup was ready")
    if plan.cgroup is not None:
        plan.cgroup.join_self()
    if plan.ns.new_cgroup:
        sys.unshare(sc.CLONE_NEWCGROUP)
    step[0] = "rootfs"


def secure(sys: sc.Syscalls, caps: int, last_cap: int, bpf: bytes | None, ident: identity.Identity, nnp: bool,
            step: list[str]) -> None:
    """Bounding set, no_new_privs, seccomp (while CAP_SYS_ADMIN still allows it), user, then capabilities."""
    step[0] = "capabilities"
    capabilities.drop_bounding(sys, caps, last_cap)
    if nnp:
        step[0] = "no_new_privileges"
        sys.prctl(sc.PR_SET_NO_NEW_PRIVS, 1)
    if bpf:
        step[0] = "seccomp"
        sys.seccomp_load_bpf(bpf)
    step[0] = "user"
    sys.prctl(sc.PR_SET_KEEPCAPS, 1)
    sys.set_identity(ident.uid, ident.gid, ident.groups)
    step[0] = "capabilities"
    capabilities.apply(sys, caps)


def setup_console(sock: int) -> None:
    """A pty from the container's own devpts: the slave becomes the controlling tty and stdio, the master goes
    back to the parent over ``sock``."""
    master, slave = os.openpty()
    new_session()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for target in (0, 1, 2):
        os.dup2(slave, target)
    with socket.socket(fileno=sock) as conn:
        socket.send_fds(conn, [b"m"], [master])
    os.close(master)
    os.close(slave)


def new_session() -> None:
    """Leave the launcher's session and process group (idempotent): a ``kill 0`` or a signal to the container's
    own process group then stays inside the container instead of reaching the monitor or the CLI."""
    if os.getsid(0) != os.getpid():
        os.setsid()


def reset_signals() -> None:
    """Python ignores SIGPIPE and the parent may block signals: the container starts with the defaults."""
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(sig) not in (signal.SIG_DFL, None):
                signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def apply_stdio(fds: tuple[int | None, int | None, int | None]) -> None:
    for target, fd in enumerate(fds):
        if fd is not None and fd != target:
            os.dup2(fd, target)


def chdir_inside(sys: sc.Syscalls, cwd: str) -> None:
    """chdir after pivot_root; the result must be a path inside the container (never a leaked host dir)."""
    sys.chdir(cwd)
    try:
        here = os.getcwd()
    except OSError as exc:
        raise KernelError("chdir", errno.EXDEV, cwd, detail="working dir is outside the container") from exc
    if not here.startswith("/"):
        raise KernelError("chdir", errno.EXDEV, cwd, detail=f"working dir resolves to {here}")


def exec_command(args: tuple[str, ...], env: dict[str, str]) -> NoReturn:
    if not args:
        raise ExecError("", errno.ENOENT)
    try:
        os.execvpe(args[0], list(args), env)
    except OSError as exc:
        raise ExecError(args[0], exc.errno or errno.ENOENT) from exc


def _tiny_init(args: tuple[str, ...], env: dict[str, str], errw: int) -> NoReturn:
    """``init: true``: stay as pid 1, run the command as its child, forward signals, reap every zombie.

    Handlers are installed with the signals blocked, before the fork, so none arrives while pid 1 (which the
    kernel protects from unhandled signals) has no handler yet.
    """
    child = [0]
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
    for sig in FORWARDED:
        signal.signal(sig, lambda s, _f: os.kill(child[0], s) if child[0] > 0 else None)
    pid = os.fork()
    if pid == 0:
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        exec_command(args, env)
    child[0] = pid
    os.close(errw)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    while True:
        try:
            wpid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if wpid == pid:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)
