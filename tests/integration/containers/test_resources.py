"""cgroup limits, ulimits and sysctls, seen from inside the container."""

from __future__ import annotations

import resource

import pytest

from runtime.errors import ContainerError
from runtime.spec import ProcessSpec, Resources, Rlimit

pytestmark = pytest.mark.root

MB = 1 << 20


def test_memory_hog_is_oom_killed_with_exit_137(containers):
    probe = containers.sh("awk 'BEGIN { s = \"x\"; while (1) s = s s }'",
                          resources=Resources(memory=32 * MB, memory_swap=32 * MB))
    assert probe.code == 137
    assert probe.oom_killed


def test_a_normal_exit_is_not_reported_as_oom(containers):
    probe = containers.sh("true", resources=Resources(memory=32 * MB))
    assert (probe.code, probe.oom_killed) == (0, False)


def test_pids_limit_stops_forks(containers):
    script = "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; echo started"
    limited = containers.sh(script, resources=Resources(pids_limit=5))
    assert limited.code != 0 and limited.out == ""
    assert "can't fork" in limited.err
    assert containers.sh(script, resources=Resources(pids_limit=20)).out == "started\n"


def test_cgroup_limits_are_visible_in_the_containers_own_cgroup(containers):
    probe = containers.sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"
                          " /sys/fs/cgroup/cpu/cpu.cfs_quota_us; cat /proc/self/cgroup | grep memory",
                          resources=Resources(memory=64 * MB, pids_limit=20, cpus=0.5))
    lines = probe.out.split()
    assert lines[:3] == [str(64 * MB), "20", "50000"]
    assert lines[3] == "4:memory:/"  # the cgroup namespace hides the host's hierarchy


def test_ulimits_are_applied(containers):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    probe = containers.run(containers.spec(process=ProcessSpec(
        args=("sh", "-c", "ulimit -n; ulimit -Hn"), rlimits=(Rlimit("nofile", 256, min(hard, 512)),))))
    assert probe.out.split() == ["256", str(min(hard, 512))]


def test_ulimit_above_the_callers_hard_limit_is_refused_before_start(containers):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    spec = containers.spec(process=ProcessSpec(args=("true",), rlimits=(Rlimit("nofile", hard + 1, hard + 1),)))
    with pytest.raises(ContainerError, match="CAP_SYS_RESOURCE"):
        containers.run(spec)


def test_namespaced_sysctl_is_set_inside_only(containers):
    with open("/proc/sys/net/ipv4/ip_forward") as fh:
        host_value = fh.read()
    probe = containers.sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni",
                          sysctls=(("net.ipv4.ip_forward", "1"), ("kernel.shmmni", "1000")))
    assert probe.out.split() == ["1", "1000"]
    with open("/proc/sys/net/ipv4/ip_forward") as fh:
        assert fh.read() == host_value


def test_host_sysctl_is_refused(containers):
    with pytest.raises(ContainerError, match="vm.swappiness"):
        containers.sh("true", sysctls=(("vm.swappiness", "10"),))


def test_shm_size(containers):
    probe = containers.sh("df -k /dev/shm | tail -1", shm_size=8 * MB)
    assert probe.out.split()[1] == str(8 * 1024)


def test_cgroup_v2_driver_on_this_hosts_unified_hierarchy(containers):
    """This host's cgroup2 mount has no resource controllers, but the v2 driver's create/join/mount/remove runs."""
    from runtime.linux.cgroups import V2Driver

    probe = containers.run(containers.spec("sh", "-c", "grep '^0::' /proc/self/cgroup; ls /sys/fs/cgroup"),
                           cgroups=V2Driver("/sys/fs/cgroup/unified"))
    lines = probe.out.split()
    assert lines[0] == "0::/"
    assert "cgroup.controllers" in lines


def test_cgroup_v2_device_filter_denies_other_devices(containers):
    """Only the v2 driver is used here, so the BPF device program is the only device restriction."""
    from runtime.linux.cgroups import V2Driver

    # /dev/fuse (c 10:229) opens for root on this host; block devices are refused by the host itself.
    probe = containers.run(containers.spec("sh", "-c", "head -c1 /dev/zero | wc -c; mknod /tmp/fuse c 10 229 &&"
                                           " echo made; (exec 3</tmp/fuse) && echo opened; true"),
                           cgroups=V2Driver("/sys/fs/cgroup/unified"))
    assert probe.out.split() == ["1", "made"]
    assert "Operation not permitted" in probe.err
