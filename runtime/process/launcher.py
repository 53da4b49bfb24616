"""The parent side of a start: check the spec, prepare the container dir and cgroup, fork the child, and wait
for it to exec (the error pipe closes) or to report a typed failure.

Public entry points: ``start(spec, stdio=...) -> ContainerProcess`` and ``run(spec) -> int``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import select
import signal
import socket
import time
from pathlib import Path

from runtime.errors import ContainerError, KernelError
from runtime.linux import capabilities, namespaces, seccomp
from runtime.linux.cgroups import Cgroup, CgroupDriver, detect
from runtime.linux.syscalls import CLONE_NEWPID, Syscalls
from runtime.process import init, limits
from runtime.rootfs import devices, overlay, setup
from runtime.spec import ContainerSpec, Mount

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
    """A started container: its pid (host view), ``wait()``, ``kill()``, ``stop()``; after the exit,
    ``exit_code`` (128+N for signal N), ``oom_killed`` and ``finished_at`` (epoch seconds).

    The handle holds a pidfd until the exit is recorded: ``close()`` releases it when the caller stops watching a
    process that is not its to reap (a handle on a running container for ``exec``); ``detach()`` hands a process
    that someone else reaps (the monitor's ``waitpid``) over, cgroup and all, by recording its exit code later
    through ``record_exit``.
    """

    def __init__(self, spec: ContainerSpec, pid: int, cgroup: Cgroup | None) -> None:
        self.spec = spec
        self.pid = pid
        self.cgroup = cgroup
        self.started_at = time.time()
        self.finished_at: float | None = None
        self.exit_code: int | None = None
        self.oom_killed = False
        self.console: int | None = None  # with a tty: the pty master (the caller reads/writes it and closes it)
        self._pidfd = os.pidfd_open(pid)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for exit (None on timeout); reap, record exit code and OOM, remove the cgroup."""
        if self.exit_code is not None:
            return self.exit_code
        if self._pidfd < 0:
            raise ContainerError(f"wait for container {self.spec.short_id}: this handle was closed")
        if timeout is not None and not select.select([self._pidfd], [], [], timeout)[0]:
            return None
        _, status = os.waitpid(self.pid, 0)
        return self.reaped(status)

    def reaped(self, status: int) -> int:
        """Record an exit the caller reaped itself from its ``waitpid`` status; see ``record_exit``."""
        return self.record_exit(exit_code_of_status(status))

    def record_exit(self, code: int) -> int:
        """Record an exit someone else reaped (``code`` as Docker's: 128+N for signal N): time, OOM from the
        cgroup, leftovers killed, the cgroup removed, the pidfd closed. Returns the exit code; idempotent."""
        if self.exit_code is not None:
            return self.exit_code
        self.exit_code = code
        self.finished_at = time.time()
        self._cleanup()
        return self.exit_code

    def fileno(self) -> int:
        """The pidfd: readable once the process has exited (for ``select``); -1 once the handle is closed."""
        return self._pidfd

    def close(self) -> None:
        """Stop watching the process (it keeps running): release the pidfd. The cgroup is left alone."""
        if self._pidfd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
            self._pidfd = -1

    def detach(self) -> Cgroup | None:
        """Give the process up to another owner: release the pidfd and hand back its cgroup (no longer removed
        by this handle). Returns the cgroup (None if it had none)."""
        self.close()
        cgroup, self.cgroup = self.cgroup, None
        return cgroup

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.exit_code is None and self._pidfd >= 0:
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
        self.close()
        if self.cgroup is None:
            return
        cgroup, self.cgroup = self.cgroup, None
        self.oom_killed = release_cgroup(cgroup)


def exit_code_of_status(status: int) -> int:
    """A ``waitpid`` status as Docker reports it: the exit code, or 128+N for death by signal N."""
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def release_cgroup(cgroup: Cgroup) -> bool:
    """After the container's init exited: kill what is left in its cgroup (only possible when the pid namespace
    was the host's), remove the cgroup; returns whether the kernel OOM-killed a process in it."""
    oom = cgroup.oom_killed()
    for pid in cgroup.pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    cgroup.remove()
    return oom


def start(spec: ContainerSpec, *, stdio: Stdio = (None, None, None), sys: Syscalls | None = None,
          cgroups: CgroupDriver | None = None) -> ContainerProcess:
    """Start ``spec``'s process in new namespaces; return once it has exec'd, or raise ContainerError.

    The cgroup is created while the child builds its rootfs; the child joins it before pivot_root and exec.
    """
    sys = sys or default_syscalls()
    driver = cgroups or default_driver()
    spec = with_init_binary(spec)
    ns, caps, rlimits = _checked_parts(spec)
    prepare_container_dir(spec)
    child = _child_plan(spec, sys, driver, stdio, ns, caps, rlimits)
    if not spec.process.terminal:
        pid, cgroup = _spawn(sys, child, driver)
        return ContainerProcess(spec, pid, cgroup)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        pid, cgroup = _spawn(sys, child._replace(console_fd=theirs.fileno()), driver)
        proc = ContainerProcess(spec, pid, cgroup)
        theirs.close()
        _, fds, _, _ = socket.recv_fds(ours, 16, 1)
    if not fds:
        proc.kill()
        proc.wait()
        raise ContainerError(f"start container {spec.short_id}: tty: the container sent no terminal")
    proc.console = fds[0]
    return proc


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
        caps = capabilities.effective_set(spec.security, capabilities.available_mask())
        limits.check_sysctls(spec)
        rlimits = limits.rlimit_plan(spec.process.rlimits)
    except ValueError as exc:
        raise ContainerError(f"start container {spec.short_id}: {exc}") from exc
    if any(m.kind == "device" and not m.source for m in spec.mounts):
        raise ContainerError(f"start container {spec.short_id}: a device entry needs its host path")
    missing = [layer for layer in spec.rootfs.layers if not os.path.isdir(layer)]
    if missing or not spec.rootfs.layers:
        raise ContainerError(
            f"start container {spec.short_id}: rootfs: layer dir(s) missing: {missing or 'none given'}")
    for mount in spec.mounts:
        if mount.kind == "device" and not os.path.exists(mount.source or ""):
            raise ContainerError(f"start container {spec.short_id}: device {mount.source} does not exist on this "
                                 "host")
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
        rootfs=setup.RootfsPlan(spec, tuple(driver.container_mounts()), overlay.layer_safe_flags(),
                                device_nodes(spec)),
        ns=ns, cgroup=driver.open(spec.id), sync_fd=-1, caps=caps, last_cap=last_cap_cached(), seccomp_bpf=bpf,
        rlimits=rlimits, stdio=stdio, hostname=spec.hostname or spec.short_id,
    )


def _spawn(sys: Syscalls, child: init.ChildPlan, driver: CgroupDriver) -> tuple[int, Cgroup]:
    """fork the child, create the cgroup meanwhile, say go, then wait for exec (EOF) or a failure report."""
    errr, errw = make_pipe()
    syncr, syncw = make_pipe()
    try:
        pid = _fork(sys, child.ns, child.rootfs.spec)
        if pid == 0:
            os.close(errr)
            os.close(syncw)
            init.child_main(sys, child._replace(sync_fd=syncr), errw)
        os.close(errw)
        os.close(syncr)
        errw = syncr = -1
        cgroup = _create_cgroup(driver, child.rootfs.spec, pid, syncw)
        with contextlib.suppress(BrokenPipeError):
            os.write(syncw, b"1")
        os.close(syncw)
        syncw = -1
        report = read_all(errr)
    finally:
        for fd in (errr, errw, syncr, syncw):
            if fd >= 0:
                os.close(fd)
    if report:
        _, status = os.waitpid(pid, 0)
        cgroup.remove()
        raise start_error(child.rootfs.spec.id, report, os.waitstatus_to_exitcode(status))
    return pid, cgroup


def _fork(sys: Syscalls, ns: namespaces.NamespacePlan, spec: ContainerSpec) -> int:
    """fork into a new pid namespace, into another container's (``pid: container:x``), or into ours."""
    try:
        return sys.fork(new_pid_ns=bool(ns.clone_flags & CLONE_NEWPID), join_pid_ns=ns.pid_join)
    except KernelError as exc:
        raise ContainerError(f"start container {spec.short_id}: pid namespace: {exc}; is the container whose "
                             "pid namespace it joins still running?") from exc


def _create_cgroup(driver: CgroupDriver, spec: ContainerSpec, pid: int, syncw: int) -> Cgroup:
    try:
        return driver.create(spec.id, spec.resources, device_rules(spec))
    except BaseException as exc:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if isinstance(exc, Exception):
            raise ContainerError(f"start container {spec.short_id}: cgroup: {exc}") from exc
        raise


def device_nodes(spec: ContainerSpec) -> tuple[devices.DeviceNode, ...]:
    """Nodes beyond the defaults: every host device for ``privileged`` (as Docker), plus the spec's ``device``
    entries (host path -> container path; read-only means no ``w`` access)."""
    host = devices.host_devices() if spec.security.privileged else ()
    return (*host, *_spec_devices(spec))


def device_rules(spec: ContainerSpec) -> tuple[str, ...]:
    """What the device cgroup allows beyond Docker's defaults: everything when privileged, else the spec's."""
    return ("a",) if spec.security.privileged else tuple(node.rule() for node in _spec_devices(spec))


def _spec_devices(spec: ContainerSpec) -> list[devices.DeviceNode]:
    try:
        return [devices.node_of(m.source or "", m.destination, "rm" if m.readonly else "rwm")
                for m in spec.mounts if m.kind == "device"]
    except (OSError, ValueError) as exc:
        raise ContainerError(f"start container {spec.short_id}: devices: {exc}") from exc


def make_pipe() -> tuple[int, int]:
    """A CLOEXEC pipe whose ends are above 2, so the child's dup2 onto stdio can never clobber them."""
    ends = []
    for fd in os.pipe2(os.O_CLOEXEC):
        if fd < 3:
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
            os.close(fd)
            fd = high
        ends.append(fd)
    return ends[0], ends[1]


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def start_error(cid: str, report: bytes, code: int) -> ContainerStartError:
    try:
        msg = json.loads(report)
    except ValueError:
        msg = {"step": "unknown", "message": report.decode(errors="replace")}
    return ContainerStartError(cid, msg.get("step", "unknown"), msg.get("message", ""), msg.get("errno"),
                               code if code > 0 else init.EXIT_SETUP_FAILED)


INIT_CANDIDATES = ("/usr/bin/tini-static", "/usr/libexec/docker/docker-init", "/usr/bin/docker-init")
INIT_DEST = "/sbin/docker-init"


def find_init_binary() -> str | None:
    """A static init for ``init: true`` (Debian's tini-static, or docker-init); $DOCKYARD_INIT overrides."""
    chosen = os.environ.get("DOCKYARD_INIT")
    if chosen:
        return chosen if os.path.isfile(chosen) else None
    return next((p for p in INIT_CANDIDATES if os.path.isfile(p)), None)


def with_init_binary(spec: ContainerSpec) -> ContainerSpec:
    """``init: true`` as Docker does it: a static init bound read-only at /sbin/docker-init runs the command.

    Without such a binary on the host the child's own small Python init is used instead.
    """
    binary = find_init_binary() if spec.init else None
    if binary is None:
        return spec
    pid = spec.namespace("pid")
    flags = ("-s",) if pid is None or pid.host or pid.path else ()  # not pid 1: register as child subreaper
    args = (INIT_DEST, *flags, "--", *spec.process.args)
    mount = Mount("bind", INIT_DEST, binary, readonly=True)
    return dataclasses.replace(spec, init=False, mounts=(*spec.mounts, mount),
                               process=dataclasses.replace(spec.process, args=args))


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
        import shutil  # loaded on use: a run on a network has its resolv.conf written already

        try:
            shutil.copyfile("/etc/resolv.conf", cdir / "resolv.conf")
        except OSError:
            (cdir / "resolv.conf").write_text("")


_SYS: list[Syscalls] = []
_DRIVER: list[CgroupDriver] = []
_LAST_CAP: list[int] = []


def default_syscalls() -> Syscalls:
    if not _SYS:
        _SYS.append(Syscalls())
    return _SYS[0]


def default_driver() -> CgroupDriver:
    if not _DRIVER:
        _DRIVER.append(detect())
    return _DRIVER[0]


def last_cap_cached() -> int:
    if not _LAST_CAP:
        _LAST_CAP.append(capabilities.last_cap())
    return _LAST_CAP[0]
