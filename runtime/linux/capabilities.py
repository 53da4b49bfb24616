"""Capability names, Docker's set arithmetic (defaults, cap_add, cap_drop, privileged), and the in-child drop."""

from __future__ import annotations

from runtime.linux import syscalls as sc
from runtime.spec import DEFAULT_CAPABILITIES, Security

NAMES: tuple[str, ...] = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
)
BIT: dict[str, int] = {name: i for i, name in enumerate(NAMES)}


class CapabilityError(ValueError):
    """A capability name is unknown or cannot be granted."""


def normalize(name: str) -> str:
    """``cap_net_admin`` / ``NET_ADMIN`` / ``CAP_NET_ADMIN`` -> ``NET_ADMIN``; ``all`` -> ``ALL``."""
    upper = name.strip().upper()
    return upper.removeprefix("CAP_")


def mask_of(names: tuple[str, ...] | list[str] | set[str]) -> int:
    mask = 0
    for name in names:
        bit = BIT.get(normalize(name))
        if bit is None:
            raise CapabilityError(f"unknown capability {name!r} (use names like NET_ADMIN or CAP_NET_ADMIN)")
        mask |= 1 << bit
    return mask


def effective_set(security: Security, available: int) -> int:
    """The container's capability mask: Docker's defaults, then cap_add, then cap_drop; ALL means every
    capability the caller holds (``available``). Asking for one the caller lacks is an error."""
    if security.privileged:
        return available
    adds = [normalize(c) for c in security.cap_add]
    drops = [normalize(c) for c in security.cap_drop]
    caps = 0 if "ALL" in drops else mask_of(DEFAULT_CAPABILITIES)
    if "ALL" in adds:
        caps = available
    caps |= mask_of([c for c in adds if c != "ALL"])
    caps &= ~mask_of([c for c in drops if c != "ALL"])
    missing = caps & ~available
    if missing:
        names = [n for n, b in BIT.items() if missing >> b & 1]
        raise CapabilityError(
            f"cap_add {', '.join(names)}: not in the caller's capability bounding set; this host cannot grant it"
        )
    return caps


def available_mask() -> int:
    """Capabilities the calling process can pass on (its permitted set, read from /proc/self/status)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("CapPrm:"):
                return int(line.split()[1], 16)
    return 0


def last_cap() -> int:
    with open("/proc/sys/kernel/cap_last_cap") as fh:
        return int(fh.read())


def drop_bounding(sys: sc.Syscalls, keep: int, last: int) -> None:
    """Drop every capability not in ``keep`` from the bounding set (needs CAP_SETPCAP, so do it first)."""
    for bit in range(last + 1):
        if not keep >> bit & 1:
            sys.prctl(sc.PR_CAPBSET_DROP, bit)


def apply(sys: sc.Syscalls, keep: int) -> None:
    """Set effective = permitted = ``keep``, inheritable empty (Docker since 20.10: no inheritable caps)."""
    sys.capset(keep, keep, 0)
