"""The in-child rootfs checklist, one small function per step, all kernel calls through ``Syscalls``.

Order (runc's, except that /sys/fs/cgroup comes last so the parent can create the cgroup while the child mounts):
rprivate, overlay, /proc, /dev, /dev/pts, /sys, /dev/mqueue, /dev/shm, /etc files and the service's mounts
(shallowest first), devices, sysctls, masked paths, read-only paths, [join the cgroup + its namespace],
/sys/fs/cgroup, the working dir, pivot_root + detach the old root, read-only rootfs.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from typing import NamedTuple

from runtime.errors import KernelError
from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls
from runtime.rootfs import devices, overlay
from runtime.rootfs.paths import ensure_target, is_within, mkdir_all
from runtime.spec import ContainerSpec, Mount

PROPAGATION = {"private": sc.MS_PRIVATE, "rprivate": sc.MS_PRIVATE | sc.MS_REC, "slave": sc.MS_SLAVE,
               "rslave": sc.MS_SLAVE | sc.MS_REC, "shared": sc.MS_SHARED, "rshared": sc.MS_SHARED | sc.MS_REC}
ETC_FILES = ("hostname", "hosts", "resolv.conf")
PROC_FLAGS = sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC


class RootfsPlan(NamedTuple):
    """What the child needs beyond the spec: cgroup mounts (fstype, subdir, data) from the cgroup driver, and the
    extra overlay options (``overlay.layer_safe_flags()``, detected by the parent), and the device nodes beyond
    the defaults (the host's for ``privileged``, the spec's ``device`` entries), worked out by the parent.
    A NamedTuple, not a dataclass (cheaper to define on every start): built once, read, never copied."""

    spec: ContainerSpec
    cgroup_mounts: tuple[tuple[str, str, str | None], ...] = ()
    overlay_flags: tuple[str, ...] = ()
    devices: tuple[devices.DeviceNode, ...] = ()

    @property
    def root(self) -> str:
        return str(self.spec.rootfs.merged)


def prepare(sys: Syscalls, plan: RootfsPlan, join_cgroup: Callable[[], None] = lambda: None) -> str:
    """Build the container's filesystem and pivot into it; return the working dir as resolved inside the rootfs
    (symlinks followed within it), which is what the child must chdir to. Every step raises on failure.

    ``join_cgroup`` runs just before /sys/fs/cgroup is mounted (the cgroup namespace must exist by then)."""
    spec, root = plan.spec, plan.root
    make_private(sys)
    mount_overlay(sys, plan)
    mount_proc(sys, root)
    mount_dev(sys, root)
    devices.mount_pts(sys, root)
    mount_sys(sys, root, spec.security.privileged)
    devices.mount_mqueue(sys, root)
    devices.mount_shm(sys, root, spec.shm_size)
    mount_etc_files(sys, plan)
    user_mounts = [m for m in spec.mounts if m.kind != "device"]  # devices are nodes (plan.devices), not mounts
    for mount in sorted(user_mounts, key=lambda m: len([p for p in m.destination.split("/") if p])):
        mount_user(sys, root, mount)
    devices.create_devices(sys, root)
    devices.create_extra_devices(sys, root, plan.devices)
    write_sysctls(sys, root, spec.sysctls)
    if not spec.security.privileged:
        mask_paths(sys, root, spec.security.masked_paths)
        readonly_paths(sys, root, spec.security.readonly_paths)
    join_cgroup()
    mount_cgroups(sys, root, plan.cgroup_mounts, writable=spec.security.privileged)
    rel = os.path.relpath(mkdir_all(sys, root, spec.process.cwd), root)
    cwd = "/" if rel == "." else "/" + rel
    pivot(sys, root)
    if spec.rootfs.readonly:
        sys.mount(None, "/", None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY)
    return cwd


def make_private(sys: Syscalls) -> None:
    sys.mount(None, "/", None, sc.MS_REC | sc.MS_PRIVATE)


def mount_overlay(sys: Syscalls, plan: RootfsPlan) -> None:
    rootfs = plan.spec.rootfs
    cdir = rootfs.container_dir
    upper, work = os.path.join(cdir, "upper"), os.path.join(cdir, "work")
    data = overlay.options(rootfs.layers, upper, work, flags=plan.overlay_flags)
    if not overlay.fits(data):
        base = overlay.common_parent((*rootfs.layers, upper, work))
        sys.chdir(base)
        data = overlay.options(rootfs.layers, upper, work, relative_to=base, flags=plan.overlay_flags)
    sys.mount("overlay", plan.root, "overlay", 0, data)


def _plain_dir(sys: Syscalls, root: str, name: str) -> str:
    """``root/name`` must be a real directory (created if missing): an image with /proc or /dev as a symlink is
    refused, so a special mount can never land outside the rootfs."""
    path = os.path.join(root, name)
    st = sys.lstat(path)
    if st is None:
        sys.mkdir(path)
    elif not stat.S_ISDIR(st.st_mode):
        raise KernelError("mount", errno.ENOTDIR, f"/{name}", detail="the image has it as a non-directory "
                          "(symlink?); refusing to mount over it")
    return path


def mount_proc(sys: Syscalls, root: str) -> None:
    sys.mount("proc", _plain_dir(sys, root, "proc"), "proc", PROC_FLAGS)


def mount_dev(sys: Syscalls, root: str) -> None:
    _plain_dir(sys, root, "dev")
    devices.mount_dev(sys, root)


def mount_sys(sys: Syscalls, root: str, privileged: bool) -> None:
    flags = PROC_FLAGS | (0 if privileged else sc.MS_RDONLY)
    sys.mount("sysfs", _plain_dir(sys, root, "sys"), "sysfs", flags)


def mount_cgroups(sys: Syscalls, root: str, mounts: tuple[tuple[str, str, str | None], ...],
                  writable: bool = False) -> None:
    """/sys/fs/cgroup: read-only, except for a privileged container (as Docker)."""
    base = os.path.join(root, "sys", "fs", "cgroup")
    flags = PROC_FLAGS | (0 if writable else sc.MS_RDONLY)
    if any(fstype == "cgroup" for fstype, _, _ in mounts):
        sys.mount("tmpfs", base, "tmpfs", PROC_FLAGS, "mode=755")
        for fstype, sub, data in mounts:
            sys.mkdir(os.path.join(base, sub))
            sys.mount("cgroup", os.path.join(base, sub), fstype, flags, data)
        sys.mount(None, base, None, sc.MS_BIND | sc.MS_REMOUNT | flags)
    else:
        for fstype, _, data in mounts:
            sys.mount(fstype, base, fstype, flags, data)


def mount_etc_files(sys: Syscalls, plan: RootfsPlan) -> None:
    taken = {m.destination.rstrip("/") for m in plan.spec.mounts}
    for name in ETC_FILES:
        dest = f"/etc/{name}"
        if dest in taken:
            continue
        source = os.path.join(plan.spec.rootfs.container_dir, name)
        bind(sys, plan.root, source, dest, readonly=False, propagation="rprivate", directory=False)


def mount_user(sys: Syscalls, root: str, mount: Mount) -> None:
    if mount.kind == "tmpfs":
        opts = [f"size={mount.tmpfs_size}"] if mount.tmpfs_size else []
        opts += [f"mode={mount.tmpfs_mode:o}"] if mount.tmpfs_mode is not None else []
        flags = sc.MS_NOSUID | sc.MS_NODEV | (sc.MS_RDONLY if mount.readonly else 0)
        target = ensure_target(sys, root, mount.destination, directory=True)
        pinned_mount(sys, root, target, "tmpfs", "tmpfs", flags, ",".join(opts) or None)
        return
    if mount.kind not in ("bind", "volume") or not mount.source:
        raise KernelError("mount", errno.EINVAL, mount.destination, detail=f"unsupported mount kind {mount.kind!r}")
    is_dir = os.path.isdir(mount.source)
    bind(sys, root, mount.source, mount.destination, readonly=mount.readonly, propagation=mount.propagation,
         directory=is_dir)


def bind(sys: Syscalls, root: str, source: str, dest: str, *, readonly: bool, propagation: str,
         directory: bool) -> None:
    """Bind ``source`` (host) onto ``dest`` (container), never outside the rootfs."""
    target = ensure_target(sys, root, dest, directory=directory)
    pinned_mount(sys, root, target, source, None, sc.MS_BIND | sc.MS_REC, None)
    if readonly:
        pinned_mount(sys, root, target, None, None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY | sc.MS_REC, None)
    flag = PROPAGATION.get(propagation)
    if flag is None:
        raise KernelError("mount", errno.EINVAL, dest, detail=f"unknown propagation {propagation!r}")
    if propagation not in ("private", "rprivate"):  # new mounts under the rprivate tree are private already
        pinned_mount(sys, root, target, None, None, flag, None)


def pinned_mount(sys: Syscalls, root: str, target: str, source: str | None, fstype: str | None, flags: int,
                 data: str | None) -> None:
    """Mount onto ``target`` through an O_PATH fd after checking where it really is (no symlink swap race)."""
    fd = sys.open(target, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        proc_path = f"/proc/self/fd/{fd}"
        real = sys.readlink(proc_path)
        if not is_within(real, root):
            raise KernelError("mount", errno.EXDEV, target, detail=f"resolves to {real}, outside the rootfs")
        sys.mount(source, proc_path, fstype, flags, data)
    finally:
        sys.close(fd)


def write_sysctls(sys: Syscalls, root: str, sysctls: tuple[tuple[str, str], ...]) -> None:
    for key, value in sysctls:
        sys.write_file(os.path.join(root, "proc", "sys", *key.split(".")), value)


def mask_paths(sys: Syscalls, root: str, paths: tuple[str, ...]) -> None:
    """Hide each path: an empty read-only tmpfs over a dir, /dev/null over a file; missing paths are skipped."""
    for path in paths:
        target = os.path.join(root, path.lstrip("/"))
        st = sys.lstat(target)
        if st is None:
            continue
        if stat.S_ISDIR(st.st_mode):
            sys.mount("tmpfs", target, "tmpfs", sc.MS_RDONLY, "size=0")
        else:
            sys.mount("/dev/null", target, None, sc.MS_BIND)


def readonly_paths(sys: Syscalls, root: str, paths: tuple[str, ...]) -> None:
    for path in paths:
        target = os.path.join(root, path.lstrip("/"))
        if sys.lstat(target) is None:
            continue
        sys.mount(target, target, None, sc.MS_BIND | sc.MS_REC)
        sys.mount(None, target, None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY | PROC_FLAGS | sc.MS_REC)


def pivot(sys: Syscalls, root: str) -> None:
    """pivot_root(".", ".") then lazily detach the old root stacked on top (no put_old dir needed)."""
    sys.chdir(root)
    sys.pivot_root(".", ".")
    sys.umount2(".", sc.MNT_DETACH)
    sys.chdir("/")
