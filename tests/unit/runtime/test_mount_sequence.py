"""The in-child rootfs checklist, run against the recording syscalls fake: the exact mount sequence, no root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.errors import KernelError
from runtime.linux import syscalls as sc
from runtime.rootfs import overlay, setup
from runtime.spec import ContainerSpec, Mount, ProcessSpec, RootfsSpec
from tests.support.runtime_fake import RecordingSyscalls

NOSUID_NODEV_NOEXEC = sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC
V1_CGROUPS = (("cgroup", "cpu", "cpu"), ("cgroup", "memory", "memory"))


def _spec(tmp_path: Path, **kw) -> ContainerSpec:
    cdir = tmp_path / "c"
    root = cdir / "rootfs"
    for d in ("proc/acpi", "proc/sys", "sys/firmware", "sys/fs/cgroup", "dev", "etc"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "proc" / "keys").write_text("")
    for name in ("hostname", "hosts", "resolv.conf"):
        (cdir / name).write_text("")
    process = kw.pop("process", ProcessSpec(args=("true",)))
    return ContainerSpec(id="0123456789abcdef", rootfs=RootfsSpec(("/layers/a", "/layers/b"), str(cdir), **kw.pop(
        "rootfs_kw", {})), process=process, **kw)


def _run(spec: ContainerSpec, cgroups=V1_CGROUPS) -> RecordingSyscalls:
    fake = RecordingSyscalls(str(spec.rootfs.merged))
    setup.prepare(fake, setup.RootfsPlan(spec, cgroups))
    return fake


def test_default_mount_sequence_follows_docker_order(tmp_path):
    spec = _spec(tmp_path)
    fake = _run(spec)
    cdir = spec.rootfs.container_dir
    assert fake.mounts() == [
        ("/", None, sc.MS_REC | sc.MS_PRIVATE, None),
        ("/", "overlay", 0, f"lowerdir=/layers/b:/layers/a,upperdir={cdir}/upper,workdir={cdir}/work"),
        ("/proc", "proc", NOSUID_NODEV_NOEXEC, None),
        ("/dev", "tmpfs", sc.MS_NOSUID | sc.MS_STRICTATIME, "mode=755,size=65536k"),
        ("/dev/pts", "devpts", sc.MS_NOSUID | sc.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"),
        ("/sys", "sysfs", NOSUID_NODEV_NOEXEC | sc.MS_RDONLY, None),
        ("/dev/mqueue", "mqueue", NOSUID_NODEV_NOEXEC, None),
        ("/dev/shm", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=1777,size=67108864"),
        *[(f"/etc/{n}", None, sc.MS_BIND | sc.MS_REC, None) for n in ("hostname", "hosts", "resolv.conf")],
        ("/proc/acpi", "tmpfs", sc.MS_RDONLY, "size=0"),
        ("/proc/keys", None, sc.MS_BIND, None),
        ("/sys/firmware", "tmpfs", sc.MS_RDONLY, "size=0"),
        ("/proc/sys", None, sc.MS_BIND | sc.MS_REC, None),
        ("/proc/sys", None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY | NOSUID_NODEV_NOEXEC | sc.MS_REC, None),
        ("/sys/fs/cgroup", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=755"),
        ("/sys/fs/cgroup/cpu", "cgroup", NOSUID_NODEV_NOEXEC | sc.MS_RDONLY, "cpu"),
        ("/sys/fs/cgroup/memory", "cgroup", NOSUID_NODEV_NOEXEC | sc.MS_RDONLY, "memory"),
        ("/sys/fs/cgroup", None, sc.MS_BIND | sc.MS_REMOUNT | NOSUID_NODEV_NOEXEC | sc.MS_RDONLY, None),
    ]


def test_etc_files_are_bound_from_the_container_dir(tmp_path):
    spec = _spec(tmp_path)
    fake = _run(spec)
    calls = [c.args for c in fake.calls if c.op == "mount" and c.args[1] == "/etc/hosts"]
    assert calls == [(f"{spec.rootfs.container_dir}/hosts", "/etc/hosts", None, sc.MS_BIND | sc.MS_REC, None)]


def test_shared_propagation_is_set_on_request(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    fake = _run(_spec(tmp_path, mounts=(Mount("bind", "/data", str(src), propagation="rshared"),)))
    assert [m[2] for m in fake.mounts() if m[0] == "/data"] == [sc.MS_BIND | sc.MS_REC, sc.MS_SHARED | sc.MS_REC]


def test_the_cgroup_is_joined_just_before_its_mounts(tmp_path):
    spec = _spec(tmp_path)
    fake = RecordingSyscalls(str(spec.rootfs.merged))
    setup.prepare(fake, setup.RootfsPlan(spec, V1_CGROUPS), join_cgroup=lambda: fake._rec("join"))
    ops = [c.op if c.op != "mount" else c.args[1] for c in fake.calls if c.op in ("mount", "join")]
    assert ops[ops.index("join") - 1: ops.index("join") + 3] == ["/proc/sys", "join", "/sys/fs/cgroup",
                                                                  "/sys/fs/cgroup/cpu"]


def test_pivot_root_comes_after_every_mount_and_detaches_the_old_root(tmp_path):
    fake = _run(_spec(tmp_path))
    ops = [(c.op, c.args) for c in fake.calls if c.op in ("mount", "pivot_root", "umount2", "chdir")]
    assert ops[-4:] == [("chdir", ("/",)), ("pivot_root", (".", ".")), ("umount2", (".", sc.MNT_DETACH)),
                        ("chdir", ("/",))]
    # the first chdir is to the rootfs, which the fake reports relative to the rootfs itself


def test_default_devices_are_created_after_dev_mounts(tmp_path):
    fake = _run(_spec(tmp_path))
    nodes = [(c.args[0], c.args[2], c.args[3]) for c in fake.calls if c.op == "mknod"]
    assert nodes == [("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
                     ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0)]
    links = {c.args[1]: c.args[0] for c in fake.calls if c.op == "symlink"}
    assert links == {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1",
                     "/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx"}


def test_user_mounts_come_after_etc_files_shallowest_first(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    spec = _spec(tmp_path, mounts=(
        Mount("bind", "/data/deep/er", str(src)),
        Mount("tmpfs", "/run", tmpfs_size=1024, tmpfs_mode=0o700),
        Mount("volume", "/data", str(src), readonly=True),
    ))
    targets = [t for t in _run(spec).mount_targets() if t.startswith(("/data", "/run", "/etc"))]
    assert list(dict.fromkeys(targets)) == ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run", "/data",
                                            "/data/deep/er"]


def test_readonly_bind_is_remounted_readonly(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    fake = _run(_spec(tmp_path, mounts=(Mount("bind", "/data", str(src), readonly=True),)))
    data = [(m[1], m[2]) for m in fake.mounts() if m[0] == "/data"]
    assert data == [(None, sc.MS_BIND | sc.MS_REC), (None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY | sc.MS_REC)]


def test_tmpfs_mount_gets_size_and_mode(tmp_path):
    fake = _run(_spec(tmp_path, mounts=(Mount("tmpfs", "/run", tmpfs_size=1024, tmpfs_mode=0o700),)))
    assert [m for m in fake.mounts() if m[0] == "/run"] == [("/run", "tmpfs", sc.MS_NOSUID | sc.MS_NODEV,
                                                             "size=1024,mode=700")]


def test_symlinked_destination_is_resolved_inside_the_rootfs(tmp_path):
    spec = _spec(tmp_path, mounts=(Mount("tmpfs", "/escape/inner"),))
    root = spec.rootfs.merged
    os.symlink("../../../../../../tmp", root / "escape")
    fake = _run(spec)
    assert "/tmp/inner" in fake.mount_targets()
    assert (root / "tmp" / "inner").is_dir()


def test_absolute_symlink_destination_is_clamped_to_the_rootfs(tmp_path):
    spec = _spec(tmp_path, mounts=(Mount("tmpfs", "/etcdir/x"),))
    os.symlink("/", spec.rootfs.merged / "etcdir")
    assert "/x" in _run(spec).mount_targets()


def test_image_with_proc_as_a_symlink_is_refused(tmp_path):
    spec = _spec(tmp_path)
    root = spec.rootfs.merged
    (root / "proc" / "keys").unlink()
    for d in ("acpi", "sys"):
        (root / "proc" / d).rmdir()
    (root / "proc").rmdir()
    os.symlink("/", root / "proc")
    with pytest.raises(KernelError, match="/proc"):
        _run(spec)


def test_readonly_rootfs_is_remounted_after_pivot(tmp_path):
    fake = _run(_spec(tmp_path, rootfs_kw={"readonly": True}))
    assert fake.calls[-1].op == "mount"
    assert fake.calls[-1].args == (None, "/", None, sc.MS_BIND | sc.MS_REMOUNT | sc.MS_RDONLY, None)


def test_privileged_skips_masked_and_readonly_paths_and_sys_is_writable(tmp_path):
    from runtime.spec import Security

    fake = _run(_spec(tmp_path, security=Security(privileged=True)))
    targets = fake.mount_targets()
    assert "/proc/keys" not in targets and "/proc/sys" not in targets
    assert ("/sys", "sysfs", NOSUID_NODEV_NOEXEC, None) in fake.mounts()


def test_sysctls_are_written_under_the_new_proc(tmp_path):
    fake = _run(_spec(tmp_path, sysctls=(("net.ipv4.ip_forward", "1"),)))
    assert [c.args for c in fake.calls if c.op == "write_file"] == [("/proc/sys/net/ipv4/ip_forward", "1")]


def test_working_dir_is_created_inside_the_rootfs(tmp_path):
    spec = _spec(tmp_path, process=ProcessSpec(args=("true",), cwd="/srv/app"))
    _run(spec)
    assert (spec.rootfs.merged / "srv" / "app").is_dir()


def test_cgroup_v2_is_one_readonly_mount(tmp_path):
    fake = _run(_spec(tmp_path), cgroups=(("cgroup2", "", None),))
    assert [m for m in fake.mounts() if m[0].startswith("/sys/fs/cgroup")] == [
        ("/sys/fs/cgroup", "cgroup2", NOSUID_NODEV_NOEXEC | sc.MS_RDONLY, None)]


def test_overlay_gets_the_layer_safe_flags_the_parent_detected(tmp_path):
    spec = _spec(tmp_path)
    fake = RecordingSyscalls(str(spec.rootfs.merged))
    setup.prepare(fake, setup.RootfsPlan(spec, V1_CGROUPS, ("redirect_dir=off", "metacopy=off")))
    cdir = spec.rootfs.container_dir
    assert [m[3] for m in fake.mounts() if m[1] == "overlay"] == [
        f"lowerdir=/layers/b:/layers/a,upperdir={cdir}/upper,workdir={cdir}/work,redirect_dir=off,metacopy=off"]


@pytest.mark.parametrize(("params", "flags"), [
    (("redirect_dir", "metacopy"), ("redirect_dir=off", "metacopy=off")),
    (("redirect_dir",), ("redirect_dir=off",)),  # a kernel before 4.19 would refuse an unknown metacopy option
])
def test_layer_safe_flags_name_metacopy_only_where_the_kernel_knows_it(tmp_path, monkeypatch, params, flags):
    for name in params:
        (tmp_path / name).write_text("N\n")
    monkeypatch.setattr(overlay, "_FLAGS", [])
    assert overlay.layer_safe_flags(str(tmp_path)) == flags
