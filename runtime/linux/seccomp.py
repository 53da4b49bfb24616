"""The default seccomp profile's effect: a default-allow filter that denies the dangerous syscalls with EPERM.

Like Docker's default profile, some groups are allowed again when the container holds the matching capability
(e.g. CAP_SYS_ADMIN allows mount). Compiled once per capability set in the parent (libseccomp through
``linux.syscalls``); the child only installs the BPF program.
"""

from __future__ import annotations

import errno

from runtime.linux import syscalls as sc
from runtime.linux.capabilities import BIT

ALWAYS_DENIED: tuple[str, ...] = (
    "add_key", "keyctl", "request_key", "create_module", "get_kernel_syms", "query_module", "lookup_dcookie",
    "nfsservctl", "sysfs", "_sysctl", "uselib", "userfaultfd", "ustat", "vm86", "vm86old", "kexec_file_load",
    "kexec_load", "open_by_handle_at", "name_to_handle_at",
)

DENIED_UNLESS: dict[str, tuple[str, ...]] = {
    "SYS_ADMIN": ("mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
                  "fsmount", "fspick", "pivot_root", "unshare", "setns", "swapon", "swapoff", "quotactl",
                  "quotactl_fd", "fanotify_init", "bpf", "perf_event_open", "iopl", "ioperm"),
    "SYS_MODULE": ("init_module", "finit_module", "delete_module"),
    "SYS_TIME": ("settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex"),
    "SYS_BOOT": ("reboot",),
    "SYS_PACCT": ("acct",),
    "SYS_PTRACE": ("process_vm_readv", "process_vm_writev", "kcmp"),
    "SYS_NICE": ("mbind", "migrate_pages", "move_pages", "set_mempolicy", "get_mempolicy"),
    "SYSLOG": ("syslog",),
}

_NS_FLAGS = (sc.CLONE_NEWNS, sc.CLONE_NEWCGROUP, sc.CLONE_NEWUTS, sc.CLONE_NEWIPC, sc.CLONE_NEWUSER,
             sc.CLONE_NEWPID, sc.CLONE_NEWNET)
_SCMP_CMP_MASKED_EQ = 7

Rule = tuple[str, int, tuple[tuple[int, int, int, int], ...]]


def rules_for(caps: int) -> list[Rule]:
    """The deny rules for a container holding capability mask ``caps``."""
    names = list(ALWAYS_DENIED)
    for cap, group in DENIED_UNLESS.items():
        if not caps >> BIT[cap] & 1:
            names.extend(group)
    rules: list[Rule] = [(name, errno.EPERM, ()) for name in names]
    if not caps >> BIT["SYS_ADMIN"] & 1:
        # clone(2) creating namespaces: one rule per flag (rules on one syscall are OR-ed).
        rules.extend(("clone", errno.EPERM, ((0, _SCMP_CMP_MASKED_EQ, flag, flag),)) for flag in _NS_FLAGS)
        rules.append(("clone3", errno.ENOSYS, ()))  # flags live in a struct; make libc fall back to clone
    return rules


_cache: dict[int, bytes] = {}


def compile_default(sys: sc.Syscalls, caps: int) -> bytes:
    """BPF bytes of the default profile for ``caps`` (cached per process)."""
    prog = _cache.get(caps)
    if prog is None:
        prog = _cache[caps] = sys.seccomp_compile(rules_for(caps))
    return prog
