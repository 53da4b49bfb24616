"""Parent-side checks: ulimits never above the caller's hard limit, namespaced sysctls only; namespace plans;
overlay options."""

from __future__ import annotations

import resource

import pytest

from runtime.linux import namespaces
from runtime.linux import syscalls as sc
from runtime.process.limits import LimitError, check_sysctls, rlimit_plan
from runtime.rootfs import overlay
from runtime.spec import NAMESPACE_KINDS, ContainerSpec, Namespace, ProcessSpec, Rlimit, RootfsSpec


def _spec(**kw) -> ContainerSpec:
    return ContainerSpec(id="c" * 16, rootfs=RootfsSpec(("/l",), "/c"), process=ProcessSpec(args=("true",)), **kw)


def test_ulimit_within_the_callers_hard_limit_is_planned():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert rlimit_plan((Rlimit("nofile", 100, hard),)) == ((resource.RLIMIT_NOFILE, 100, hard),)


def test_ulimit_above_the_callers_hard_limit_is_refused_with_the_limit_named():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with pytest.raises(LimitError, match=f"nofile.*hard limit {hard}.*CAP_SYS_RESOURCE"):
        rlimit_plan((Rlimit("nofile", 10, hard + 1),))


def test_unknown_ulimit_and_soft_above_hard_are_refused():
    with pytest.raises(LimitError, match="unknown limit"):
        rlimit_plan((Rlimit("bogus", 1, 1),))
    with pytest.raises(LimitError, match="soft limit"):
        rlimit_plan((Rlimit("nofile", 10, 5),))


def test_namespaced_sysctls_pass():
    check_sysctls(_spec(sysctls=(("net.ipv4.ip_forward", "1"), ("kernel.shmmax", "1"), ("fs.mqueue.msg_max", "5"),
                                 ("kernel.sem", "1 2 3 4"))))


def test_host_wide_sysctl_is_refused():
    with pytest.raises(LimitError, match="vm.swappiness: not a namespaced sysctl"):
        check_sysctls(_spec(sysctls=(("vm.swappiness", "1"),)))


def test_net_sysctl_with_host_network_is_refused():
    ns = tuple(Namespace(k, host=(k == "net")) for k in NAMESPACE_KINDS)
    with pytest.raises(LimitError, match="own network namespace"):
        check_sysctls(_spec(namespaces=ns, sysctls=(("net.ipv4.ip_forward", "1"),)))


def test_default_namespaces_are_created_with_the_process_and_cgroup_after():
    plan = namespaces.plan(_spec().namespaces)
    assert plan.clone_flags == (sc.CLONE_NEWPID | sc.CLONE_NEWNS | sc.CLONE_NEWUTS | sc.CLONE_NEWIPC
                                | sc.CLONE_NEWNET)
    assert plan.joins == () and plan.new_cgroup


def test_joined_and_host_namespaces():
    ns = (Namespace("mount"), Namespace("pid"), Namespace("net", path="/proc/42/ns/net"), Namespace("ipc", host=True))
    plan = namespaces.plan(ns)
    assert plan.clone_flags == sc.CLONE_NEWNS | sc.CLONE_NEWPID
    assert plan.joins == (("net", "/proc/42/ns/net"),)
    assert not plan.new_cgroup


def test_another_containers_pid_namespace_is_entered_by_the_fork_not_by_the_child():
    ns = (Namespace("mount"), Namespace("pid", path="/proc/42/ns/pid"), Namespace("ipc", path="/proc/42/ns/ipc"))
    plan = namespaces.plan(ns)
    assert plan.pid_join == "/proc/42/ns/pid" and plan.clone_flags == sc.CLONE_NEWNS
    assert plan.joins == (("ipc", "/proc/42/ns/ipc"),)  # setns(pid) in the child would only move its children


def test_mount_namespace_is_mandatory():
    with pytest.raises(ValueError, match="mount namespace"):
        namespaces.plan((Namespace("pid"),))


def test_overlay_lists_the_top_layer_first():
    assert overlay.options(("/l/base", "/l/top"), "/c/upper", "/c/work") == \
        "lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work"


def test_overlay_relative_options_stay_short():
    layers = tuple(f"/var/lib/dockyard/layers/{i:064d}" for i in range(50))
    data = overlay.options(layers, "/var/lib/dockyard/containers/x/upper", "/var/lib/dockyard/containers/x/work")
    assert not overlay.fits(data)
    base = overlay.common_parent((*layers, "/var/lib/dockyard/containers/x/upper"))
    assert base == "/var/lib/dockyard"
    assert overlay.fits(overlay.options(layers, "/var/lib/dockyard/containers/x/upper",
                                        "/var/lib/dockyard/containers/x/work", relative_to=base))
