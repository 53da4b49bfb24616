"""The default seccomp profile's deny rules, relaxed per capability as Docker's profile is."""

from __future__ import annotations

import errno

from runtime.linux.capabilities import BIT
from runtime.linux.seccomp import rules_for

DEFAULT = 0xA80425FB


def _denied(caps: int) -> dict[str, int]:
    return {name: err for name, err, conds in rules_for(caps) if not conds}


def test_dangerous_syscalls_are_denied_with_eperm_by_default():
    denied = _denied(DEFAULT)
    for name in ("mount", "umount2", "unshare", "setns", "reboot", "init_module", "finit_module", "delete_module",
                 "kexec_load", "keyctl", "add_key", "bpf", "perf_event_open", "clock_settime", "settimeofday",
                 "swapon", "pivot_root", "open_by_handle_at"):
        assert denied[name] == errno.EPERM, name


def test_clone_with_namespace_flags_is_denied_and_clone3_says_enosys():
    rules = rules_for(DEFAULT)
    assert sum(1 for name, _, conds in rules if name == "clone" and conds) == 7
    assert ("clone3", errno.ENOSYS, ()) in rules


def test_cap_sys_admin_allows_mount_and_namespaces_again():
    caps = DEFAULT | 1 << BIT["SYS_ADMIN"]
    denied = _denied(caps)
    assert "mount" not in denied and "unshare" not in denied
    assert not any(name == "clone" for name, _, _ in rules_for(caps))
    assert "keyctl" in denied


def test_cap_sys_time_allows_setting_the_clock():
    assert "clock_settime" not in _denied(DEFAULT | 1 << BIT["SYS_TIME"])
