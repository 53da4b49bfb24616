"""Service ``blkio_config`` reaches the runtime as per-device rules in bytes/s and ops/s, down to the launch spec."""

import textwrap

from compose.translate import container_spec
from runtime import launchspec
from runtime.spec import Blkio
from runtime.types import BlkioSpec
from tests.support.compose_model import project as load_project


def spec_of(service_yaml: str):
    body = textwrap.indent(textwrap.dedent(service_yaml).strip(), "    ")
    proj = load_project(f"services:\n  db:\n    image: busybox\n{body}\n")
    return container_spec(proj, proj.services["db"], 1)


def test_blkio_config_becomes_a_blkio_spec_with_rates_in_bytes():
    spec = spec_of("""
        blkio_config:
          weight: 300
          weight_device: [{path: /dev/sda, weight: 400}]
          device_read_bps: [{path: /dev/sda, rate: 12mb}, {path: /dev/sdb, rate: 1024}]
          device_write_bps: [{path: /dev/sdb, rate: 1k}]
          device_read_iops: [{path: /dev/sda, rate: 120}]
          device_write_iops: [{path: /dev/sda, rate: 30}]
    """)
    assert spec.resources.blkio == BlkioSpec(
        weight=300, weight_device=(("/dev/sda", 400),), read_bps=(("/dev/sda", 12 << 20), ("/dev/sdb", 1024)),
        write_bps=(("/dev/sdb", 1024),), read_iops=(("/dev/sda", 120),), write_iops=(("/dev/sda", 30),))


def test_no_blkio_config_means_no_blkio_controls():
    assert spec_of("mem_limit: 1g").resources.blkio is None


def test_the_launch_spec_carries_the_same_rules_to_the_cgroup_driver():
    spec = spec_of("blkio_config: {device_write_bps: [{path: /dev/vda, rate: 2mb}]}")
    launch = launchspec.build(spec, "ab" * 32, "/c", {"Cmd": ["true"]}, ["/l"], [], None)
    assert launch.resources.blkio == Blkio(write_bps=(("/dev/vda", 2 << 20),))
