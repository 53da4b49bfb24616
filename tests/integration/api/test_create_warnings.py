"""What the host cannot apply of a spec comes back from create (``ContainerInfo.warnings``), as Docker's create
response carries its warnings: here a blkio weight on a kernel with no proportional I/O scheduler."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime import BlkioSpec, ContainerSpec, ResourceSpec
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root

BLKIO = Path("/sys/fs/cgroup/blkio")


def _weights_supported() -> bool:
    return any((BLKIO / n).exists() for n in ("blkio.weight", "blkio.bfq.weight"))


@pytest.mark.skipif(not BLKIO.is_dir(), reason="needs the cgroup v1 blkio hierarchy (this machine kind has it)")
def test_a_blkio_weight_the_kernel_cannot_apply_is_a_warning_of_the_create_and_of_the_record(rt):
    spec = ContainerSpec(name="weighted", image=BUSYBOX_REF, command=("true",), network_mode="none",
                         resources=ResourceSpec(blkio=BlkioSpec(weight=300)))
    info = rt.create_container(spec)
    expected = () if _weights_supported() else (
        "blkio_config: the kernel has no blkio.weight (no proportional I/O scheduler such as BFQ active); the "
        "weight is ignored, throttles still apply",)
    assert info.warnings == expected
    assert rt.container("weighted").warnings == expected
    rt.start_container(info.id)
    assert rt.wait_container(info.id, timeout=30) == 0


def test_a_spec_the_host_applies_whole_has_no_warnings(rt):
    info = rt.create_container(ContainerSpec(name="plain", image=BUSYBOX_REF, command=("true",),
                                             network_mode="none"))
    assert info.warnings == ()
