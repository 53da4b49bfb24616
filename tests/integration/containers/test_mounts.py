"""Mounts from the spec, and escape regressions: nothing an image or a spec says may reach the host."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.errors import ContainerError
from runtime.spec import Mount, ProcessSpec

pytestmark = pytest.mark.root


def _layer(tmp_path: Path, **symlinks: str) -> str:
    """An extra image layer holding only the given symlinks (name -> target)."""
    layer = tmp_path / "layer"
    layer.mkdir(exist_ok=True)
    for name, target in symlinks.items():
        path = layer / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
    return str(layer)


def _with_layer(containers, spec, layer: str):
    from dataclasses import replace

    return replace(spec, rootfs=replace(spec.rootfs, layers=(*spec.rootfs.layers, layer)))


def test_bind_mount_is_read_write_both_ways(containers, tmp_path):
    host = tmp_path / "data"
    host.mkdir()
    (host / "in.txt").write_text("from host")
    probe = containers.sh("cat /data/in.txt; echo from container > /data/out.txt",
                          mounts=(Mount("bind", "/data", str(host)),))
    assert probe.out == "from host"
    assert (host / "out.txt").read_text() == "from container\n"


def test_readonly_bind_refuses_writes(containers, tmp_path):
    host = tmp_path / "ro"
    host.mkdir()
    probe = containers.sh("touch /ro/x; echo rc=$?", mounts=(Mount("bind", "/ro", str(host), readonly=True),))
    assert "rc=1" in probe.out and "Read-only file system" in probe.err
    assert not (host / "x").exists()


def test_bind_of_a_file_and_created_host_path(containers, tmp_path):
    f = tmp_path / "conf.txt"
    f.write_text("conf")
    missing = tmp_path / "made" / "here"
    probe = containers.sh("cat /etc/app.conf; ls -d /made",
                          mounts=(Mount("bind", "/etc/app.conf", str(f)),
                                  Mount("bind", "/made", str(missing), create_host_path=True)))
    assert probe.out == "conf/made\n"
    assert missing.is_dir()


def test_missing_bind_source_fails_the_start(containers, tmp_path):
    with pytest.raises(ContainerError, match="does not exist"):
        containers.sh("true", mounts=(Mount("bind", "/x", str(tmp_path / "nope")),))


def test_tmpfs_with_size_and_mode(containers):
    probe = containers.sh("stat -c %a /scratch; df -k /scratch | tail -1",
                          mounts=(Mount("tmpfs", "/scratch", tmpfs_size=1 << 20, tmpfs_mode=0o700),))
    mode, line = probe.out.splitlines()
    assert mode == "700"
    assert line.split()[1] == "1024"


def test_readonly_rootfs(containers):
    probe = containers.sh("touch /x; echo rc=$?; touch /tmp/y; echo tmp=$?", readonly=True,
                          mounts=(Mount("tmpfs", "/tmp"),))
    assert "rc=1" in probe.out and "tmp=0" in probe.out


def test_symlinked_mount_destination_stays_inside_the_rootfs(containers, tmp_path):
    host_target = tmp_path / "host-target"
    host_target.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    (src / "marker").write_text("m")
    spec = containers.spec("sh", "-c", f"ls {host_target}/inner")
    spec = _with_layer(containers, spec, _layer(tmp_path, evil=str(host_target)))
    spec = spec.__class__(**{**spec.__dict__, "mounts": (Mount("bind", "/evil/inner", str(src)),)})
    probe = containers.run(spec)
    assert probe.out.strip() == "marker"  # mounted at the container's own path of that name
    assert list(host_target.iterdir()) == []


def test_image_with_proc_as_a_symlink_is_refused(containers, tmp_path):
    spec = _with_layer(containers, containers.spec("true"), _layer(tmp_path, proc="/"))
    with pytest.raises(ContainerError, match="rootfs.*/proc"):
        containers.run(spec)


def test_image_with_dev_null_as_a_symlink_cannot_touch_the_host(containers, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    spec = containers.spec("sh", "-c", "echo overwritten > /dev/null; ls -l /dev/null")
    spec = _with_layer(containers, spec, _layer(tmp_path, dev__null=str(victim)))
    probe = containers.run(spec)
    assert probe.out.startswith("c")  # a character device, not the image's symlink
    assert victim.read_text() == "keep"


@pytest.mark.parametrize("fd", [3, 4, 5, 6, 7, 8])
def test_working_dir_through_proc_self_fd_never_reaches_a_host_dir(containers, tmp_path, fd):
    hostdir = tmp_path / "hostdir"
    hostdir.mkdir()
    (hostdir / "HOST_MARKER").write_text("")
    opened = os.open(hostdir, os.O_RDONLY | os.O_DIRECTORY)
    os.set_inheritable(opened, True)
    try:
        try:
            probe = containers.run(containers.spec(process=ProcessSpec(args=("ls", "-a"), cwd=f"/proc/self/fd/{fd}")))
        except ContainerError:
            return  # refused: fine
        assert "HOST_MARKER" not in probe.out
    finally:
        os.close(opened)


def test_mount_table_seen_inside_is_the_rootfs_then_the_standard_mounts_in_order(containers, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    probe = containers.sh("awk '{print $5, $6}' /proc/self/mountinfo",
                          mounts=(Mount("bind", "/data", str(data), readonly=True),))
    table = [line.split() for line in probe.out.splitlines()]
    points = [p for p, _ in table]
    assert points[:11] == ["/", "/proc", "/dev", "/dev/pts", "/sys", "/dev/mqueue", "/dev/shm", "/etc/hostname",
                           "/etc/hosts", "/etc/resolv.conf", "/data"]
    assert points.index("/proc/sys") < points.index("/sys/fs/cgroup")
    options = dict((p, o.split(",")) for p, o in table)
    assert "ro" in options["/sys"] and "ro" in options["/proc/sys"] and "ro" in options["/data"]
    assert "ro" in options["/sys/fs/cgroup"]
    assert all(not p.startswith(str(tmp_path)) for p in points)  # nothing of the host's tree is left


def test_a_renamed_image_dir_is_copied_whole_into_the_upper_dir(containers):
    """redirect_dir=off: the upper dir must stand alone as a layer (no xattr pointing back into a lower layer)."""
    spec = containers.spec("sh", "-c", "mv /home /moved && ls /moved")
    probe = containers.run(spec)
    assert (probe.code, probe.out) == (0, "alice\n")
    moved = Path(spec.rootfs.container_dir) / "upper" / "moved"
    assert (moved / "alice").is_dir()
    assert not [a for a in os.listxattr(moved, follow_symlinks=False) if "overlay." in a]
