"""The kernel calls the runtime makes, behind one object that tests replace with a recording fake.

The ONLY ctypes user in dockyard. Every failure raises ``KernelError(op, errno, path)``.
File-system helpers (mkdir, mknod, symlink, write_file...) live here too so that the in-child checklist is a
sequence of calls on one object: the fake records them all.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import functools
import fcntl
import os
import resource
import socket
import stat
import struct
from collections.abc import Callable

from runtime.errors import KernelError

# mount flags
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_UNBINDABLE = 0x20000
MS_PRIVATE = 0x40000
MS_SLAVE = 0x80000
MS_SHARED = 0x100000
MS_RELATIME = 0x200000
MS_STRICTATIME = 0x1000000
MNT_DETACH = 0x2

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

# namespace flags
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# prctl
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_KEEPCAPS = 8
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

SYS_PIDFD_GETFD = 438  # the same number on every architecture (added after the syscall tables were unified)

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _ScmpArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


@functools.lru_cache(maxsize=None)
def _library_name(soname: str, short: str) -> str:
    """``soname`` when the dynamic loader finds it (no subprocess); else what ``ctypes.util.find_library`` finds
    (it runs ``ldconfig -p``, a subprocess, on each call), else ``soname`` (whose load then fails as before)."""
    try:
        ctypes.CDLL(soname)
        return soname
    except OSError:
        from ctypes.util import find_library

        return find_library(short) or soname


def _libc_name() -> str:
    return _library_name("libc.so.6", "c")


def _load_libc() -> ctypes.CDLL:
    return ctypes.CDLL(_libc_name(), use_errno=True)


class Syscalls:
    """Real kernel calls. One instance per process is enough; it is cheap to create."""

    def __init__(self) -> None:
        self._libc = _load_libc()
        # PyDLL keeps the GIL across the call (see fork).
        self._pylibc = ctypes.PyDLL(_libc_name(), use_errno=True)
        self._seccomp: ctypes.CDLL | None = None
        self._own_pid_ns = -1

    # ---- helpers -------------------------------------------------------------------------------------------
    def _check(self, rc: int, op: str, path: str | None = None) -> int:
        if rc < 0:
            err = ctypes.get_errno()
            raise KernelError(op, err, path)
        return rc

    @staticmethod
    def _b(value: str | None) -> bytes | None:
        return None if value is None else os.fsencode(value)

    # ---- processes -------------------------------------------------------------------------------------------
    def fork(self, new_pid_ns: bool, join_pid_ns: str | None = None) -> int:
        """os.fork(); with ``new_pid_ns`` the child is pid 1 of a new pid namespace; with ``join_pid_ns`` (a
        /proc/<pid>/ns/pid path) it lands in that existing pid namespace instead (another container's).

        The caller's pid_for_children is switched for the fork and switched back at once; the GIL is held
        throughout (PyDLL), so no other Python thread can fork in between. A plain fork (not a raw clone) keeps
        glibc's and Python's at-fork handling, which matters when the caller has threads.
        """
        if not new_pid_ns and join_pid_ns is None:
            return os.fork()
        if self._own_pid_ns < 0:
            self._own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        if join_pid_ns is not None:
            self._enter_pid_ns(join_pid_ns)
        elif self._pylibc.unshare(ctypes.c_int(CLONE_NEWPID)) < 0:
            raise KernelError("unshare", ctypes.get_errno(), "pid namespace")
        pid = -1
        try:
            pid = os.fork()
        finally:
            if pid != 0 and self._pylibc.setns(ctypes.c_int(self._own_pid_ns), ctypes.c_int(CLONE_NEWPID)) < 0:
                raise KernelError("setns", ctypes.get_errno(), "back to the caller's pid namespace")
        return pid

    def _enter_pid_ns(self, path: str) -> None:
        """Make ``path`` the pid namespace of the caller's next children (its own pid namespace is unchanged)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise KernelError("open pid namespace", exc.errno or 0, path) from exc
        try:
            if self._pylibc.setns(ctypes.c_int(fd), ctypes.c_int(CLONE_NEWPID)) < 0:
                raise KernelError("setns", ctypes.get_errno(), path)
        finally:
            os.close(fd)

    def unshare(self, flags: int) -> None:
        self._check(self._libc.unshare(ctypes.c_int(flags)), "unshare", f"flags {flags:#x}")

    def setns(self, path: str, nstype: int) -> None:
        fd = self.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._check(self._libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns", path)
        finally:
            os.close(fd)

    def sethostname(self, name: str) -> None:
        raw = name.encode()
        self._check(self._libc.sethostname(raw, ctypes.c_size_t(len(raw))), "sethostname", name)

    def setdomainname(self, name: str) -> None:
        raw = name.encode()
        self._check(self._libc.setdomainname(raw, ctypes.c_size_t(len(raw))), "setdomainname", name)

    def prctl(self, option: int, arg2: int = 0, arg3: int = 0) -> int:
        rc = self._libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(0), ctypes.c_ulong(0))
        return self._check(rc, f"prctl({option})")

    def capget(self) -> tuple[int, int, int]:
        """(effective, permitted, inheritable) of this process as 64-bit masks."""
        hdr = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        self._check(self._libc.capget(ctypes.byref(hdr), data), "capget")
        join = lambda f: getattr(data[0], f) | (getattr(data[1], f) << 32)
        return join("effective"), join("permitted"), join("inheritable")

    def capset(self, effective: int, permitted: int, inheritable: int) -> None:
        hdr = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        for i in range(2):
            shift = 32 * i
            data[i].effective = (effective >> shift) & 0xFFFFFFFF
            data[i].permitted = (permitted >> shift) & 0xFFFFFFFF
            data[i].inheritable = (inheritable >> shift) & 0xFFFFFFFF
        self._check(self._libc.capset(ctypes.byref(hdr), data), "capset", f"effective {effective:#x}")

    def set_identity(self, uid: int, gid: int, groups: tuple[int, ...]) -> None:
        try:
            os.setgroups(list(groups))
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        except OSError as exc:
            raise KernelError("setuid/setgid", exc.errno or _errno.EPERM, f"{uid}:{gid}") from exc

    def setrlimit(self, resource_id: int, soft: int, hard: int) -> None:
        try:
            resource.setrlimit(resource_id, (soft, hard))
        except (OSError, ValueError) as exc:
            raise KernelError("setrlimit", getattr(exc, "errno", None) or _errno.EPERM, str(resource_id)) from exc

    # ---- mounts --------------------------------------------------------------------------------------------
    def mount(self, source: str | None, target: str, fstype: str | None, flags: int = 0,
              data: str | None = None) -> None:
        rc = self._libc.mount(self._b(source), self._b(target), self._b(fstype), ctypes.c_ulong(flags),
                              self._b(data))
        kind = fstype or ("bind" if flags & MS_BIND and not flags & MS_REMOUNT else "remount")
        if flags & (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE):
            kind = "propagation"
        self._check(rc, f"mount {kind}", target)

    def umount2(self, target: str, flags: int = 0) -> None:
        self._check(self._libc.umount2(self._b(target), ctypes.c_int(flags)), "umount", target)

    def pivot_root(self, new_root: str, put_old: str) -> None:
        rc = self._libc.syscall(ctypes.c_long(155), self._b(new_root), self._b(put_old))  # SYS_pivot_root
        self._check(rc, "pivot_root", new_root)

    # ---- file system (through here so the fake can record them) ---------------------------------------------------
    def open(self, path: str, flags: int, mode: int = 0o644) -> int:
        try:
            return os.open(path, flags, mode)
        except OSError as exc:
            raise KernelError("open", exc.errno or _errno.EIO, path) from exc

    def close(self, fd: int) -> None:
        os.close(fd)

    def mkdir(self, path: str, mode: int = 0o755) -> None:
        try:
            os.mkdir(path, mode)
        except FileExistsError:
            pass
        except OSError as exc:
            raise KernelError("mkdir", exc.errno or _errno.EIO, path) from exc

    def create_file(self, path: str, mode: int = 0o644) -> None:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode))
        except OSError as exc:
            raise KernelError("create", exc.errno or _errno.EIO, path) from exc

    def mknod(self, path: str, mode: int, major: int, minor: int) -> None:
        try:
            os.mknod(path, mode | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(path, mode)
        except OSError as exc:
            raise KernelError("mknod", exc.errno or _errno.EIO, path) from exc

    def make_device(self, path: str, kind: int, major: int, minor: int, mode: int, uid: int, gid: int) -> None:
        """mknod a character (``stat.S_IFCHR``) or block (``stat.S_IFBLK``) device with this mode and owner."""
        try:
            os.mknod(path, mode | kind, os.makedev(major, minor))
            os.chmod(path, mode)
            os.chown(path, uid, gid)
        except OSError as exc:
            raise KernelError("mknod", exc.errno or _errno.EIO, path) from exc

    def symlink(self, target: str, path: str) -> None:
        try:
            os.symlink(target, path)
        except OSError as exc:
            raise KernelError("symlink", exc.errno or _errno.EIO, path) from exc

    def chdir(self, path: str) -> None:
        try:
            os.chdir(path)
        except OSError as exc:
            raise KernelError("chdir", exc.errno or _errno.EIO, path) from exc

    def set_loopback_up(self) -> None:
        """Bring ``lo`` up in the current network namespace (a fresh netns starts with it down)."""
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                req = struct.pack("16sh22x", b"lo", 0)
                flags = struct.unpack("16sh22x", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, req))[1]
                if not flags & IFF_UP:
                    fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))
        except OSError as exc:
            raise KernelError("ioctl SIOCSIFFLAGS", exc.errno or _errno.EIO, "lo") from exc

    def write_file(self, path: str, data: str) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.write(fd, data.encode())
            finally:
                os.close(fd)
        except OSError as exc:
            raise KernelError("write", exc.errno or _errno.EIO, path, detail=data.strip()[:60]) from exc

    def lstat(self, path: str) -> os.stat_result | None:
        try:
            return os.lstat(path)
        except FileNotFoundError:
            return None

    def readlink(self, path: str) -> str:
        return os.readlink(path)

    def pidfd_getfd(self, pid: int, target_fd: int) -> int:
        """A duplicate (close-on-exec) of descriptor ``target_fd`` of process ``pid`` (pidfd_getfd(2), Linux 5.6+;
        needs ptrace rights over it). Unlike opening /proc/<pid>/fd/N, this also works for a pty master."""
        pidfd = os.pidfd_open(pid)
        try:
            return self._check(self._libc.syscall(ctypes.c_long(SYS_PIDFD_GETFD), ctypes.c_int(pidfd),
                                                  ctypes.c_int(target_fd), ctypes.c_uint(0)),
                               "pidfd_getfd", f"/proc/{pid}/fd/{target_fd}")
        finally:
            os.close(pidfd)

    # ---- cgroup v2 device filter (bpf) ---------------------------------------------------------------------------
    def attach_device_filter(self, cgroup_dir: str, program: bytes) -> None:
        """Load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to the cgroup2 directory."""
        insns = ctypes.create_string_buffer(program, len(program))
        license_ = ctypes.create_string_buffer(b"Apache")
        attr = ctypes.create_string_buffer(128)
        struct.pack_into("<IIQQ", attr, 0, 15, len(program) // 8, ctypes.addressof(insns),
                         ctypes.addressof(license_))  # BPF_PROG_TYPE_CGROUP_DEVICE
        struct.pack_into("<I", attr, 68, 6)  # expected_attach_type BPF_CGROUP_DEVICE
        prog_fd = self._check(self._libc.syscall(ctypes.c_long(321), ctypes.c_int(5), attr, ctypes.c_uint(128)),
                              "bpf prog load", cgroup_dir)  # SYS_bpf, BPF_PROG_LOAD
        try:
            dir_fd = self.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                attach = ctypes.create_string_buffer(128)
                struct.pack_into("<IIII", attach, 0, dir_fd, prog_fd, 6, 2)  # BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI
                rc = self._libc.syscall(ctypes.c_long(321), ctypes.c_int(8), attach, ctypes.c_uint(128))
                self._check(rc, "bpf prog attach", cgroup_dir)  # BPF_PROG_ATTACH
            finally:
                os.close(dir_fd)
        finally:
            os.close(prog_fd)

    # ---- seccomp (libseccomp through ctypes) -------------------------------------------------------------------------
    def _libseccomp(self) -> ctypes.CDLL:
        if self._seccomp is None:
            lib = ctypes.CDLL(_library_name("libseccomp.so.2", "seccomp"), use_errno=True)
            lib.seccomp_init.restype = ctypes.c_void_p
            lib.seccomp_init.argtypes = [ctypes.c_uint32]
            lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
            lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                                   ctypes.POINTER(_ScmpArgCmp)]
            lib.seccomp_load.argtypes = [ctypes.c_void_p]
            lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
            lib.seccomp_release.argtypes = [ctypes.c_void_p]
            self._seccomp = lib
        return self._seccomp

    def seccomp_compile(self, rules: list[tuple[str, int, tuple[tuple[int, int, int, int], ...]]]) -> bytes:
        """Build a filter (default allow) and return its BPF program bytes.

        ``rules``: (syscall name, errno, ((arg index, op, datum_a, datum_b), ...)); unknown names are skipped.
        """
        lib = self._libseccomp()
        ctx = lib.seccomp_init(0x7FFF0000)  # SCMP_ACT_ALLOW
        if not ctx:
            raise KernelError("seccomp_init", _errno.ENOMEM)
        try:
            for name, err, conds in rules:
                nr = lib.seccomp_syscall_resolve_name(name.encode())
                if nr < 0:
                    continue
                arr = (_ScmpArgCmp * max(1, len(conds)))(*[_ScmpArgCmp(*c) for c in conds])
                rc = lib.seccomp_rule_add_array(ctx, 0x00050000 | (err & 0xFFFF), nr, len(conds), arr)
                if rc < 0:
                    raise KernelError("seccomp_rule_add", -rc, name)
            return self._export_bpf(lib, ctx)
        finally:
            lib.seccomp_release(ctx)

    @staticmethod
    def _export_bpf(lib: ctypes.CDLL, ctx: int) -> bytes:
        r, w = os.pipe()
        try:
            rc = lib.seccomp_export_bpf(ctx, w)
            os.close(w)
            w = -1
            if rc < 0:
                raise KernelError("seccomp_export_bpf", -rc)
            chunks = []
            while chunk := os.read(r, 65536):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)

    def seccomp_load_bpf(self, program: bytes) -> None:
        """Install a compiled filter on this thread (needs no_new_privs or CAP_SYS_ADMIN)."""

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

        prog = SockFprog(len(program) // 8, program)
        rc = self._libc.prctl(ctypes.c_int(22), ctypes.c_ulong(2), ctypes.byref(prog), ctypes.c_ulong(0),
                              ctypes.c_ulong(0))  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        self._check(rc, "seccomp load")


Factory = Callable[[], Syscalls]
