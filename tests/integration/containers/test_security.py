"""Docker's security defaults, seen from inside: capabilities, seccomp, masked and read-only paths, /dev, fds."""

from __future__ import annotations

import os

import pytest

from runtime.errors import ContainerError
from runtime.spec import ProcessSpec, Security, User

pytestmark = pytest.mark.root


def _status(probe_out: str) -> dict[str, str]:
    return dict(line.split(":\t", 1) for line in probe_out.splitlines() if ":\t" in line)


def test_root_gets_dockers_default_capabilities_and_nothing_inheritable(containers):
    status = _status(containers.sh("cat /proc/self/status").out)
    assert status["CapEff"] == "00000000a80425fb"
    assert status["CapPrm"] == "00000000a80425fb"
    assert status["CapBnd"] == "00000000a80425fb"
    assert status["CapInh"] == "0000000000000000"
    assert status["CapAmb"] == "0000000000000000"


def test_non_root_user_has_no_effective_capabilities(containers):
    probe = containers.run(containers.spec(process=ProcessSpec(args=("cat", "/proc/self/status"), user=User("alice"))))
    status = _status(probe.out)
    assert status["CapEff"] == "0000000000000000"
    assert status["CapBnd"] == "00000000a80425fb"


def test_cap_add_and_cap_drop(containers):
    status = _status(containers.sh("cat /proc/self/status",
                                   security=Security(cap_add=("NET_ADMIN",), cap_drop=("CHOWN", "NET_RAW"))).out)
    assert int(status["CapEff"], 16) == (0xA80425FB | 1 << 12) & ~(1 | 1 << 13)


def test_cap_the_host_cannot_grant_is_refused_before_start(containers):
    with pytest.raises(ContainerError, match="SYS_RESOURCE"):
        containers.sh("true", security=Security(cap_add=("SYS_RESOURCE",)))


def test_seccomp_filter_is_installed_and_no_new_privs_follows_the_spec(containers):
    status = _status(containers.sh("cat /proc/self/status").out)
    assert status["Seccomp"] == "2"
    assert status["NoNewPrivs"] == "0"  # Docker's default; security_opt no-new-privileges turns it on
    probe = containers.run(containers.spec(process=ProcessSpec(args=("cat", "/proc/self/status"),
                                                               no_new_privileges=True)))
    assert _status(probe.out)["NoNewPrivs"] == "1"


def test_unconfined_seccomp_installs_no_filter(containers):
    status = _status(containers.sh("cat /proc/self/status", security=Security(seccomp="unconfined")).out)
    assert status["Seccomp"] == "0"


def test_mount_and_unshare_fail_inside(containers):
    probe = containers.sh("mount -t tmpfs x /mnt; echo mount=$?; unshare -m true; echo unshare=$?;"
                          " unshare -U true; echo userns=$?")
    assert "mount=1" in probe.out.splitlines()[0] or "mount=255" in probe.out
    assert "unshare=1" in probe.out
    assert "userns=1" in probe.out  # clone/unshare with namespace flags denied even without capabilities
    assert "Operation not permitted" in probe.err


def test_proc_sys_and_sys_are_read_only(containers):
    probe = containers.sh("echo 1 > /proc/sys/kernel/domainname; echo a=$?; echo x > /sys/kernel/uevent_helper;"
                          " echo b=$?; [ -e /proc/sysrq-trigger ] && { echo 1 > /proc/sysrq-trigger; echo c=$?; };"
                          " true")
    assert "a=1" in probe.out and "b=1" in probe.out
    assert "c=0" not in probe.out
    assert "Read-only file system" in probe.err


def test_masked_paths_are_empty(containers):
    probe = containers.sh("wc -c < /proc/keys; ls -A /sys/firmware | wc -l; ls -A /proc/acpi 2>/dev/null | wc -l")
    assert probe.out.split() == ["0", "0", "0"]


def test_only_default_devices_in_dev(containers):
    probe = containers.sh("ls -A /dev")
    assert sorted(probe.out.split()) == sorted(["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm",
                                                "stderr", "stdin", "stdout", "tty", "urandom", "zero"])


def test_devices_cgroup_denies_other_devices_even_after_mknod(containers):
    # /dev/fuse (c 10:229) opens for root on this host, but is not one of the container's devices
    probe = containers.sh("mknod /tmp/fuse c 10 229 && echo made; (exec 3</tmp/fuse) && echo opened; true")
    assert probe.out.split() == ["made"]
    assert "Operation not permitted" in probe.err


def test_no_file_descriptor_above_2_leaks_in(containers):
    leak = os.open("/dev/null", os.O_RDONLY)  # inheritable, not CLOEXEC
    os.set_inheritable(leak, True)
    try:
        probe = containers.sh("ls /proc/$$/fd; true")  # the shell stays pid 1
    finally:
        os.close(leak)
    assert probe.out.split() == ["0", "1", "2"]


def test_exe_is_the_containers_binary(containers):
    probe = containers.sh("readlink /proc/$$/exe")
    assert probe.out.strip() == "/bin/busybox"


def test_privileged_keeps_every_capability_and_can_mount(containers):
    probe = containers.sh("grep CapEff /proc/self/status; mkdir -p /mnt; mount -t tmpfs x /mnt && echo mounted",
                          security=Security(privileged=True))
    caps = int(probe.out.split()[1], 16)
    assert caps & 0xA80425FB == 0xA80425FB and caps & (1 << 21)  # SYS_ADMIN
    assert "mounted" in probe.out


def test_the_init_binary_cannot_be_changed_from_inside(containers):
    from runtime.process.launcher import find_init_binary

    binary = find_init_binary()
    if binary is None:
        pytest.skip("no static init binary on this host (apt-get install tini)")
    before = open(binary, "rb").read()
    probe = containers.run(containers.spec("sh", "-c", "readlink /proc/1/exe; echo x >> /proc/1/exe; echo rc=$?;"
                                           " echo x >> /sbin/docker-init; echo rc2=$?", init=True))
    assert probe.out.splitlines()[0] == "/sbin/docker-init"
    assert "rc=1" in probe.out and "rc2=1" in probe.out
    assert open(binary, "rb").read() == before


def test_the_python_init_as_pid_1_is_not_readable_from_inside(containers, monkeypatch):
    monkeypatch.setenv("DOCKYARD_INIT", "/nonexistent")  # no init binary: the child's own small init runs
    probe = containers.run(containers.spec("sh", "-c", "readlink /proc/1/exe; echo rc=$?; head -c1 /proc/1/exe;"
                                           " echo rc2=$?", init=True))
    assert "rc=1" in probe.out and "rc2=1" in probe.out
