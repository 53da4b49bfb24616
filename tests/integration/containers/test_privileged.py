"""``privileged: true`` and ``devices:``: what a probe inside the container sees."""

from __future__ import annotations

import os

import pytest

from runtime.linux import capabilities
from runtime.spec import Mount, Security

pytestmark = pytest.mark.root
V1_DEVICES = os.path.isdir("/sys/fs/cgroup/devices")


def test_a_privileged_container_has_every_capability_no_seccomp_and_nothing_masked(containers):
    probe = containers.sh("grep -E '^(CapEff|Seccomp):' /proc/self/status; cat /proc/keys > /dev/null && echo keys;"
                          " grep -c . /proc/timer_list", security=Security(privileged=True))
    caps, seccomp, keys, timers = probe.out.split("\n")[:4]
    assert int(caps.split()[1], 16) == capabilities.available_mask()
    assert seccomp.split()[1] == "0" and keys == "keys" and int(timers) > 0


def test_a_privileged_container_has_sys_and_its_cgroups_writable(containers):
    probe = containers.sh("grep -E ' /sys(/fs/cgroup/memory)? ' /proc/self/mountinfo | awk '{print $5, $6}'",
                          security=Security(privileged=True))
    assert sorted(line.split(",")[0] for line in probe.out.splitlines()) == ["/sys rw", "/sys/fs/cgroup/memory rw"]


def test_a_privileged_container_sees_the_hosts_devices_and_may_use_all(containers):
    probe = containers.sh("ls /dev; cat /sys/fs/cgroup/devices/devices.list 2>/dev/null; exec 3</dev/loop-control "
                          "&& echo opened", security=Security(privileged=True))
    names = set(probe.out.split())
    assert {"fuse", "kvm", "tty0", "loop0", "loop-control"} & set(os.listdir("/dev")) <= names
    assert "opened" in names
    if V1_DEVICES:
        assert "a *:* rwm" in probe.out  # the device cgroup allows every device


def test_a_default_container_sees_only_the_default_devices(containers):
    probe = containers.sh("ls /dev")
    assert set(probe.out.split()) == {"fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
                                      "stdin", "stdout", "tty", "urandom", "zero"}


@pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="the host has no /dev/fuse")
def test_a_devices_entry_appears_and_the_device_cgroup_allows_it(containers):
    fuse = os.stat("/dev/fuse").st_rdev
    probe = containers.sh("stat -c '%t:%T %a' /dev/fuse; exec 3<>/dev/fuse && echo opened",
                          mounts=(Mount("device", "/dev/fuse", "/dev/fuse"),))
    numbers, opened = probe.out.split("\n")[:2]
    assert numbers == f"{os.major(fuse):x}:{os.minor(fuse):x} 600" and opened == "opened"


def test_a_device_node_without_a_devices_entry_cannot_be_opened(containers):
    probe = containers.sh("mknod /dev/fuse c 10 229 && exec 3<>/dev/fuse && echo opened",
                          security=Security(cap_add=("MKNOD",)))
    assert probe.code != 0 and "opened" not in probe.out and "not permitted" in probe.err.lower()
