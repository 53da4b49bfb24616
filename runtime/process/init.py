"""The child side of a start: namespaces -> cgroup -> rootfs -> identity -> limits -> security -> exec.

Runs in the cloned child (pid 1 of its pid namespace). Every failure is written to the error pipe as one JSON
object naming the step, then the child exits; it never falls back to running anything on the host. A successful
exec closes the (CLOEXEC) pipe, which is how the parent learns the container started.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys as _python
from dataclasses import dataclass
from typing import NoReturn

from runtime.errors import KernelError
from runtime.linux import capabilities, namespaces
from runtime.linux import syscalls as sc
from runtime.linux.cgroups import Cgroup
from runtime.process import identity
from runtime.rootfs import setup

EXIT_SETUP_FAILED = 125
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGWINCH, signal.SIGALRM, signal.SIGCONT)


@dataclass(frozen=True)
class ChildPlan:
    """Everything the child needs, worked out by the parent so the child only acts."""

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
    _python.meta_path.clear()
    _python.path_hooks.clear()
    _python.path_importer_cache.clear()
    step = ["start"]
    code = EXIT_SETUP_FAILED
    try:
        _setup(sys, plan, errw, step)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported, none swallowed
        code = 127 if isinstance(exc, ExecError) and exc.errno == errno.ENOENT else code
        code = 126 if isinstance(exc, ExecError) and exc.errno != errno.ENOENT else code
        _report(errw, step[0], exc)
    os._exit(code)


def _report(errw: int, step: str, exc: BaseException) -> None:
    msg = {"step": step, "type": type(exc).__name__, "message": str(exc) or repr(exc),
           "errno": getattr(exc, "errno", None), "op": getattr(exc, "op", None), "path": getattr(exc, "path", None)}
    try:
        os.write(errw, json.dumps(msg).encode())
    except OSError:
        pass


def _setup(sys: sc.Syscalls, plan: ChildPlan, errw: int, step: list[str]) -> None:
    spec = plan.rootfs.spec
    step[0] = "stdio"
    _reset_signals()
    _stdio(plan.stdio)
    sys.prctl(sc.PR_SET_DUMPABLE, 0)
    step[0] = "namespaces"
    for kind, path in plan.ns.joins:
        sys.setns(path, namespaces.FLAGS[kind])
    step[0] = "hostname"
    if plan.ns.clone_flags & sc.CLONE_NEWUTS:
        sys.sethostname(plan.hostname)
        if spec.domainname:
            sys.setdomainname(spec.domainname)
    step[0] = "rootfs"
    cwd = setup.prepare(sys, plan.rootfs, lambda: _join_cgroup(sys, plan, step))
    step[0] = "user"
    ident = identity.resolve(spec.process.user)
    env = identity.process_env(spec.process.env, ident, plan.hostname)
    step[0] = "ulimits"
    for rid, soft, hard in plan.rlimits:
        sys.setrlimit(rid, soft, hard)
    step[0] = "fds"  # before chdir: no inherited fd may serve as a /proc/self/fd/N way out
    os.closerange(3, errw)
    os.closerange(errw + 1, 2**31 - 1)
    step[0] = "working dir"
    _chdir(sys, cwd)
    _secure(sys, plan, ident, spec.process.no_new_privileges, step)
    step[0] = "exec"
    if spec.init:
        _tiny_init(spec.process.args, env, errw)
    _exec(spec.process.args, env)


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


def _secure(sys: sc.Syscalls, plan: ChildPlan, ident: identity.Identity, nnp: bool, step: list[str]) -> None:
    step[0] = "capabilities"
    capabilities.drop_bounding(sys, plan.caps, plan.last_cap)
    if nnp:
        step[0] = "no_new_privileges"
        sys.prctl(sc.PR_SET_NO_NEW_PRIVS, 1)
    if plan.seccomp_bpf:
        step[0] = "seccomp"
        sys.seccomp_load_bpf(plan.seccomp_bpf)
    step[0] = "user"
    sys.prctl(sc.PR_SET_KEEPCAPS, 1)
    sys.set_identity(ident.uid, ident.gid, ident.groups)
    step[0] = "capabilities"
    capabilities.apply(sys, plan.caps)


def _reset_signals() -> None:
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


def _stdio(fds: tuple[int | None, int | None, int | None]) -> None:
    for target, fd in enumerate(fds):
        if fd is not None and fd != target:
            os.dup2(fd, target)


def _chdir(sys: sc.Syscalls, cwd: str) -> None:
    """chdir after pivot_root; the result must be a path inside the container (never a leaked host dir)."""
    sys.chdir(cwd)
    try:
        here = os.getcwd()
    except OSError as exc:
        raise KernelError("chdir", errno.EXDEV, cwd, detail="working dir is outside the container") from exc
    if not here.startswith("/"):
        raise KernelError("chdir", errno.EXDEV, cwd, detail=f"working dir resolves to {here}")


def _exec(args: tuple[str, ...], env: dict[str, str]) -> NoReturn:
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
        _exec(args, env)
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
