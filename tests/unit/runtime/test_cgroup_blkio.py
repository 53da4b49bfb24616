"""blkio_config in both cgroup drivers (fake cgroup roots): per-device throttles as ``MAJ:MIN`` rules, weights only
where the kernel has a weight file (else a warning, as Docker does)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from runtime import launchspec
from runtime.errors import KernelError
from runtime.linux.cgroups import V1Driver, V2Driver, blkio
from runtime.spec import Blkio, ContainerSpec, ProcessSpec, Resources, RootfsSpec

DEVICES = {"/dev/sda": "8:0", "/dev/sdb": "8:16"}
THROTTLES = Blkio(read_bps=(("/dev/sda", 12 << 20),), write_bps=(("/dev/sda", 1 << 20), ("/dev/sdb", 4096)),
                  read_iops=(("/dev/sdb", 100),), write_iops=(("/dev/sda", 30),))


@pytest.fixture
def writes(monkeypatch) -> dict[str, tuple[str, ...]]:
    """file name -> the values written to it (one write(2) each), with device paths resolved from DEVICES."""
    seen: dict[str, tuple[str, ...]] = {}
    real = blkio.write
    monkeypatch.setattr(blkio, "device_number", DEVICES.__getitem__)
    monkeypatch.setattr(blkio, "write", lambda path, *values: (seen.__setitem__(path.name, values),
                                                                real(path, *values)))
    return seen


def test_v1_throttles_are_written_per_device_as_major_minor_rules(tmp_path, writes):
    for h in ("blkio", "memory"):
        (tmp_path / h).mkdir()
    cg = V1Driver(tmp_path).create("c1", Resources(blkio=THROTTLES))
    assert writes == {
        "blkio.throttle.read_bps_device": (f"8:0 {12 << 20}",),
        "blkio.throttle.write_bps_device": (f"8:0 {1 << 20}", "8:16 4096"),
        "blkio.throttle.read_iops_device": ("8:16 100",),
        "blkio.throttle.write_iops_device": ("8:0 30",),
    }
    assert (tmp_path / "blkio" / "dockyard" / "c1" / "blkio.throttle.read_iops_device").read_text() == "8:16 100"
    assert cg.warnings == []


def test_v1_weights_go_to_the_weight_files_the_kernel_offers(tmp_path, writes):
    (tmp_path / "blkio.bfq.weight").write_text("100\n")
    (tmp_path / "blkio.weight_device").write_text("")
    warnings = blkio.apply_v1(tmp_path, Blkio(weight=300, weight_device=(("/dev/sdb", 500),)))
    assert warnings == []
    assert writes == {"blkio.bfq.weight": ("300",), "blkio.weight_device": ("8:16 500",)}


def test_v1_weights_without_a_kernel_weight_file_are_skipped_with_a_warning_and_throttles_still_apply(
        tmp_path, writes):
    (tmp_path / "blkio").mkdir()
    cg = V1Driver(tmp_path).create("c1", Resources(blkio=Blkio(weight=300, weight_device=(("/dev/sda", 10),),
                                                               read_bps=(("/dev/sda", 1024),))))
    assert writes == {"blkio.throttle.read_bps_device": ("8:0 1024",)}
    assert len(cg.warnings) == 2 and all("ignored" in w and "BFQ" in w for w in cg.warnings)


def test_v1_without_a_blkio_hierarchy_refuses_blkio_config_naming_it(tmp_path, writes):
    (tmp_path / "memory").mkdir()
    with pytest.raises(KernelError, match="blkio"):
        V1Driver(tmp_path).create("c1", Resources(blkio=THROTTLES))
    assert not (tmp_path / "memory" / "dockyard" / "c1").exists()


@pytest.fixture
def v2_root(tmp_path: Path) -> Path:
    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("")
    return tmp_path


def test_v2_throttles_become_one_io_max_line_per_device(v2_root, writes):
    cg = V2Driver(v2_root, attach_devices=lambda path, program: None).create("c1", Resources(blkio=THROTTLES))
    assert writes == {"io.max": (f"8:0 rbps={12 << 20} wbps={1 << 20} wiops=30", "8:16 wbps=4096 riops=100")}
    assert cg.warnings == []


def test_v2_weights_go_to_io_weight_as_default_and_per_device_lines(tmp_path, writes):
    (tmp_path / "io.weight").write_text("default 100\n")
    assert blkio.apply_v2(tmp_path, Blkio(weight=300, weight_device=(("/dev/sda", 50),))) == []
    assert writes == {"io.weight": ("default 300", "8:0 50")}


def test_v2_weight_without_io_weight_is_skipped_with_a_warning(tmp_path, writes):
    warnings = blkio.apply_v2(tmp_path, Blkio(weight=300, read_iops=(("/dev/sda", 5),)))
    assert writes == {"io.max": ("8:0 riops=5",)}
    assert len(warnings) == 1 and "io.weight" in warnings[0]


def test_a_device_path_must_be_an_existing_block_device(tmp_path):
    with pytest.raises(KernelError, match="ENOTBLK.*block devices"):
        blkio.device_number("/dev/null")
    with pytest.raises(KernelError, match="does not exist"):
        blkio.device_number(str(tmp_path / "nodisk"))


def test_blkio_survives_the_launch_json_round_trip():
    spec = ContainerSpec(id="c", rootfs=RootfsSpec(("/l",), "/c"), process=ProcessSpec(args=("true",)),
                         resources=Resources(memory=1 << 20, blkio=dataclasses.replace(THROTTLES, weight=10)))
    assert launchspec.from_json(json.loads(json.dumps(launchspec.to_json(spec)))) == spec
