"""blkio_config throttles on the real disk behind the container directory, seen in the container's own cgroup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.spec import Blkio, Resources

pytestmark = pytest.mark.root


def backing_disk(path: Path) -> tuple[str, str]:
    """(``/dev`` path, ``MAJ:MIN``) of the whole disk holding ``path``; skips when it is not on a block device."""
    dev = os.stat(path).st_dev
    sys_dir = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}")
    if not sys_dir.exists():
        pytest.skip(f"{path} is not on a block device")
    sys_dir = sys_dir.resolve()
    if (sys_dir / "partition").exists():
        sys_dir = sys_dir.parent
    uevent = dict(line.split("=", 1) for line in (sys_dir / "uevent").read_text().splitlines() if "=" in line)
    return f"/dev/{uevent['DEVNAME']}", (sys_dir / "dev").read_text().strip()


def test_a_read_bps_throttle_on_the_rootfs_disk_reaches_the_containers_cgroup(containers, tmp_path):
    device, number = backing_disk(tmp_path)
    rules = Blkio(read_bps=((device, 1 << 20),), write_iops=((device, 200),))
    probe = containers.sh("cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"
                          " /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device",
                          resources=Resources(blkio=rules))
    assert (probe.code, probe.err) == (0, "")
    assert probe.out.splitlines() == [f"{number} {1 << 20}", f"{number} 200"]


def test_a_weight_the_kernel_cannot_apply_does_not_stop_the_container(containers):
    probe = containers.sh("echo ok", resources=Resources(blkio=Blkio(weight=300)))
    assert (probe.code, probe.out) == (0, "ok\n")
