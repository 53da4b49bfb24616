"""Devices beyond Docker's defaults: ``privileged`` (every host device, no device filter) and ``devices`` entries
(a node at the container path, allowed by the device cgroup)."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from runtime.errors import ContainerError
from runtime.launchspec import device_mounts
from runtime.linux import syscalls as sc
from runtime.linux.cgroups import V1Driver, V2Driver
from runtime.linux.cgroups import devices as cgdevices
from runtime.process import launcher
from runtime.rootfs import devices, setup
from runtime.spec import (
    ContainerSpec,
    Mount,
    ProcessSpec,
    Resources,
    RootfsSpec,
    Security,
)
from tests.support.runtime_fake import RecordingSyscalls

FUSE = devices.DeviceNode("/dev/fuse", "c", 10, 229, 0o600, 0, 0)


def test_a_host_device_becomes_a_node_with_its_numbers_mode_and_owner():
    node = devices.node_of("/dev/null", "/dev/nothing", "rm")
    assert (node.path, node.kind, node.major, node.minor, node.mode) == ("/dev/nothing", "c", 1, 3, 0o666)
    assert node.rule() == "c 1:3 rm"


def test_something_that_is_no_device_is_refused(tmp_path):
    (tmp_path / "plain").write_text("")
    with pytest.raises(ValueError, match="not a character or block device"):
        devices.node_of(str(tmp_path / "plain"), "/dev/x")


def test_the_host_device_list_skips_ptys_the_console_and_links():
    paths = {node.path for node in devices.host_devices()}
    assert "/dev/null" in paths and "/dev/zero" in paths
    assert not {"/dev/console", "/dev/ptmx", "/dev/stdin", "/dev/fd"} & paths
    assert not [p for p in paths if p.startswith(("/dev/pts/", "/dev/shm/", "/dev/mqueue/"))]


def test_devices_entries_in_compose_syntax_become_device_entries():
    spec = SimpleNamespace(name="fuse-box", devices=("/dev/fuse", "/dev/sda:/dev/xvda:r", ("/dev/kvm", "", "rw")))
    assert device_mounts(spec) == (Mount("device", "/dev/fuse", "/dev/fuse"),  # type: ignore[arg-type]
                                   Mount("device", "/dev/xvda", "/dev/sda", readonly=True),
                                   Mount("device", "/dev/kvm", "/dev/kvm"))


def test_a_malformed_devices_entry_is_refused_at_create():
    with pytest.raises(ContainerError, match="device 'fuse'"):
        device_mounts(SimpleNamespace(name="x", devices=("fuse",)))  # type: ignore[arg-type]
    with pytest.raises(ContainerError, match="permissions of r, w, m"):
        device_mounts(SimpleNamespace(name="x", devices=("/dev/fuse:/dev/fuse:rwx",)))  # type: ignore[arg-type]


def _spec(tmp_path: Path, **kw) -> ContainerSpec:
    rootfs = RootfsSpec(("/layers/a",), str(tmp_path / "c"))
    (tmp_path / "c" / "rootfs").mkdir(parents=True)
    return ContainerSpec(id="0123456789abcdef", rootfs=rootfs, process=ProcessSpec(args=("sh",)), **kw)


def test_extra_device_nodes_are_made_after_the_defaults_and_never_mounted(tmp_path):
    spec = _spec(tmp_path, mounts=(Mount("device", "/dev/fuse", "/dev/fuse"),))
    fake = RecordingSyscalls(str(spec.rootfs.merged))
    setup.prepare(fake, setup.RootfsPlan(spec, (), (), (FUSE,)))
    made = [c.args for c in fake.calls if c.op in ("mknod", "make_device")]
    assert made[-1] == ("/dev/fuse", stat.S_IFCHR, 10, 229, 0o600, 0, 0)
    assert "/dev/fuse" not in fake.mount_targets()


def test_a_privileged_container_gets_sys_and_its_cgroups_writable_and_nothing_masked(tmp_path):
    spec = _spec(tmp_path, security=Security(privileged=True))
    fake = RecordingSyscalls(str(spec.rootfs.merged))
    setup.prepare(fake, setup.RootfsPlan(spec, (("cgroup", "memory", "memory"),)))
    mounts = {target: flags for target, _fs, flags, _data in fake.mounts()}
    assert not mounts["/sys"] & sc.MS_RDONLY and not mounts["/sys/fs/cgroup/memory"] & sc.MS_RDONLY
    assert "/proc/kcore" not in mounts and "/proc/sys" not in mounts


def test_the_launcher_gives_a_privileged_container_the_host_devices_and_every_device_rule(tmp_path):
    spec = _spec(tmp_path, security=Security(privileged=True))
    assert {n.path for n in launcher.device_nodes(spec)} >= {"/dev/null", "/dev/zero"}
    assert launcher.device_rules(spec) == ("a",)


def test_the_launcher_allows_exactly_the_devices_entries(tmp_path):
    spec = _spec(tmp_path, mounts=(Mount("device", "/dev/zero2", "/dev/zero", readonly=True),))
    assert [n.path for n in launcher.device_nodes(spec)] == ["/dev/zero2"]
    assert launcher.device_rules(spec) == ("c 1:5 rm",)


@pytest.fixture
def v1_root(tmp_path: Path) -> Path:
    (tmp_path / "devices").mkdir()
    return tmp_path


def test_v1_allows_every_device_for_a_privileged_container(v1_root):
    V1Driver(v1_root).create("c1", Resources(), ("a",))
    d = v1_root / "devices" / "dockyard" / "c1"
    assert (d / "devices.allow").read_text() == "a" and not (d / "devices.deny").exists()


def test_v1_adds_devices_entries_to_the_default_rules(v1_root):
    V1Driver(v1_root).create("c1", Resources(), ("c 10:229 rwm",))
    d = v1_root / "devices" / "dockyard" / "c1"
    assert (d / "devices.deny").read_text() == "a"
    assert (d / "devices.allow").read_text().endswith("c 10:200 rwmc 10:229 rwm")  # one write(2) per rule


def test_v2_attaches_no_filter_for_a_privileged_container_and_an_extended_one_for_devices(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    attached: list[bytes] = []
    driver = V2Driver(tmp_path, attach_devices=lambda _path, program: attached.append(program))
    driver.create("c1", Resources(), ("a",))
    driver.create("c2", Resources(), ("c 10:229 rwm",))
    assert attached == [cgdevices.program(cgdevices.ALLOWED + ((cgdevices.CHAR, 10, 229),))]
