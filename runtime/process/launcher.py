"""The parent side of a start: check the spec, prepare the container dir and cgroup, clone the child, and wait
for it to exec (the error pipe closes) or to report a typed failure.

Public entry points: ``start(spec, stdio=...) -> ContainerProcess`` and ``run(spec) -> int``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import select
import shutil
import signal
from pathlib import Path

from runtime.errors import ContainerError
from runtime.linux import capabilities, namespaces, seccomp
from runtime.linux.cgroups import Cgroup, CgroupDriver, detect
from runtime.linux.syscalls import Syscalls
from runtime.process import init, limits
from runtime.rootfs import setup
from runtime.spec import ContainerSpec

DEFAULT_HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

Stdio = tuple[int | None, int | None, int | None]


class ContainerStartError(ContainerError):
    """The child failed before exec: ``step`` says where (rootfs, user, exec...), ``exit_code`` as Docker's."""

    def __init__(self, container_id: str, step: str, message: str, err: int | None, exit_code: int) -> None:
        self.container_id = container_id
        self.step = step
        self.errno = err
        self.exit_code = exit_code
        super().__init__(f"start container {container_id[:12]}: {step}: {message}")


class ContainerProcess:
    """A started container: its pid (host view), ``wait()``, ``kill()``, ``stop()``."""

    def __init__(self, spec: ContainerSpec, pid: int, cgroup: Cgroup | None) -> None:
        self.spec = spec
        self.pid = pid
        self.cgroup = cgroup
        self.exit_code: int | None = None
        self.oom_killed = False
        self._pidfd = os.pidfd_open(pid)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for exit (None on timeout); reap, record exit code and OOM, remove the cgroup."""
        if self.exit_code is not None:
            return self.exit_code
        if timeout is not None and not select.select([self._pidfd], [], [], timeout)[0]:
            return None
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.exit_code = code if code >= 0 else 128 - code
        self._cleanup()
        return self.exit_code

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)

    def stop(self, grace: float | None = None) -> int:
        """stop_signal, then SIGKILL once the grace period (default the spec's) has passed."""
        self.kill(self.spec.stop_signal)
        code = self.wait(self.spec.stop_grace_period if grace is None else grace)
        if code is None:
            self.kill(signal.SIGKILL)
            code = self.wait()
        return code  # type: ignore[return-value]

    def _cleanup(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._pidfd)
        if self.cgroup is None:
            return
        self.oom_killed = self.cgroup.oom_killed()
        for pid in self.cgroup.pids():  # leftovers only when the pid namespace was the host's
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.cgroup.remove()
        self.cgroup = None


def start(spec: ContainerSpec, *, stdio: Stdio = (None, None, None), sys: Syscalls | None = None,
          cgroups: CgroupDriver | None = None) -> ContainerProcess:
    """Start ``spec``'s process in new namespaces; return once it has exec'd, or raise ContainerError.

    The cgroup is created while the child builds its rootfs; the child joins it before pivot_root and exec.
    """
    sys = sys or _default_sys()
    driver = cgroups or _default_driver()
    ns, caps, rlimits = _checked_parts(spec)
    prepare_container_dir(spec)
    child = _child_plan(spec, sys, driver, stdio, ns, caps, rlimits)
    pid, cgroup = _spawn(sys, child, ns.clone_flags, driver)
    return ContainerProcess(spec, pid, cgroup)


def run(spec: ContainerSpec, *, stdio: Stdio = (None, None, None)) -> int:
    """Attached run: start, wait, return the exit code (the container is killed if waiting is interrupted)."""
    proc = start(spec, stdio=stdio)
    try:
        return proc.wait()  # type: ignore[return-value]
    finally:
        if proc.exit_code is None:
            proc.kill()
            proc.wait()


def _checked_parts(spec: ContainerSpec) -> tuple[namespaces.NamespacePlan, int, tuple]:
    try:
        ns = namespaces.plan(spec.namespaces)
        if any(kind == "pid" for kind, _ in ns.joins):
            raise ValueError("joining another container's pid namespace is not supported yet (pid: host is)")
        if spec.process.terminal:
            raise ValueError("tty: a pseudo-terminal for the container is not supported yet; run without tty")
        caps = capabilities.effective_set(spec.security, capabilities.available_mask())
        limits.check_sysctls(spec)
        rlimits = limits.rlimit_plan(spec.process.rlimits)
    except ValueError as exc:
        raise ContainerError(f"start container {spec.short_id}: {exc}") from exc
    for mount in spec.mounts:
        if mount.kind in ("bind", "volume") and mount.source and not os.path.exists(mount.source):
            if not mount.create_host_path:
                raise ContainerError(f"start container {spec.short_id}: bind source {mount.source} does not exist")
            os.makedirs(mount.source, exist_ok=True)
    return ns, caps, rlimits


def _child_plan(spec: ContainerSpec, sys: Syscalls, driver: CgroupDriver, stdio: Stdio,
                ns: namespaces.NamespacePlan, caps: int, rlimits: tuple) -> init.ChildPlan:
    sec = spec.security
    bpf = None if sec.privileged or sec.seccomp == "unconfined" else seccomp.compile_default(sys, caps)
    return init.ChildPlan(
        rootfs=setup.RootfsPlan(spec, tuple(driver.container_mounts())),
        ns=ns, cgroup=driver.open(spec.id), sync_fd=-1, caps=caps, last_cap=_last_cap(), seccomp_bpf=bpf,
        rlimits=rlimits, stdio=stdio, hostname=spec.hostname or spec.short_id,
    )


def _spawn(sys: Syscalls, child: init.ChildPlan, flags: int, driver: CgroupDriver) -> tuple[int, Cgroup]:
    """clone the child, create the cgroup meanwhile, say go, then wait for exec (EOF) or a failure report."""
    errr, errw = os.pipe2(os.O_CLOEXEC)
    syncr, syncw = os.pipe2(os.O_CLOEXEC)
    try:
        pid = sys.clone(flags)
        if pid == 0:
            os.close(errr)
            os.close(syncw)
            init.child_main(sys, dataclasses.replace(child, sync_fd=syncr), errw)
        os.close(errw)
        os.close(syncr)
        errw = syncr = -1
        cgroup = _create_cgroup(driver, child.rootfs.spec, pid, syncw)
        with contextlib.suppress(BrokenPipeError):
            os.write(syncw, b"1")
        os.close(syncw)
        syncw = -1
        report = _read_all(errr)
    finally:
        for fd in (errr, errw, syncr, syncw):
            if fd >= 0:
                os.close(fd)
    if report:
        _, status = os.waitpid(pid, 0)
        cgroup.remove()
        raise _start_error(child.rootfs.spec.id, report, os.waitstatus_to_exitcode(status))
    return pid, cgroup


def _create_cgroup(driver: CgroupDriver, spec: ContainerSpec, pid: int, syncw: int) -> Cgroup:
    try:
        return driver.create(spec.id, spec.resources)
    except BaseException as exc:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if isinstance(exc, Exception):
            raise ContainerError(f"start container {spec.short_id}: cgroup: {exc}") from exc
        raise


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _start_error(cid: str, report: bytes, code: int) -> ContainerStartError:
    try:
        msg = json.loads(report)
    except ValueError:
        msg = {"step": "unknown", "message": report.decode(errors="replace")}
    return ContainerStartError(cid, msg.get("step", "unknown"), msg.get("message", ""), msg.get("errno"),
                               code if code > 0 else init.EXIT_SETUP_FAILED)


def prepare_container_dir(spec: ContainerSpec) -> None:
    """upper/, work/, rootfs/ and the /etc files (written only if the caller has not written them)."""
    cdir = Path(spec.rootfs.container_dir)
    for sub in ("upper", "work", "rootfs"):
        (cdir / sub).mkdir(parents=True, exist_ok=True)
    files = {
        "hostname": f"{spec.hostname or spec.short_id}\n",
        "hosts": DEFAULT_HOSTS,
    }
    for name, content in files.items():
        if not (cdir / name).exists():
            (cdir / name).write_text(content)
    if not (cdir / "resolv.conf").exists():
        try:
            shutil.copyfile("/etc/resolv.conf", cdir / "resolv.conf")
        except OSError:
            (cdir / "resolv.conf").write_text("")


_SYS: list[Syscalls] = []
_DRIVER: list[CgroupDriver] = []
_LAST_CAP: list[int] = []


def _default_sys() -> Syscalls:
    if not _SYS:
        _SYS.append(Syscalls())
    return _SYS[0]


def _default_driver() -> CgroupDriver:
    if not _DRIVER:
        _DRIVER.append(detect())
    return _DRIVER[0]


def _last_cap() -> int:
    if not _LAST_CAP:
        _LAST_CAP.append(capabilities.last_cap())
    return _LAST_CAP[0]
