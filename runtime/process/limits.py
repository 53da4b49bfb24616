"""Checks done in the parent before any fork: ulimits within the caller's hard limits, namespaced sysctls only."""

from __future__ import annotations

import resource

from runtime.errors import ContainerError
from runtime.spec import ContainerSpec, Rlimit

RLIMITS: dict[str, int] = {
    "as": resource.RLIMIT_AS, "core": resource.RLIMIT_CORE, "cpu": resource.RLIMIT_CPU,
    "data": resource.RLIMIT_DATA, "fsize": resource.RLIMIT_FSIZE, "locks": 10,
    "memlock": resource.RLIMIT_MEMLOCK, "msgqueue": 12, "nice": 13,
    "nofile": resource.RLIMIT_NOFILE, "nproc": resource.RLIMIT_NPROC, "rss": resource.RLIMIT_RSS,
    "rtprio": 14, "rttime": 15,
    "sigpending": 11, "stack": resource.RLIMIT_STACK,
}
NAMESPACED_SYSCTL_PREFIXES = ("kernel.shm", "kernel.msg", "fs.mqueue.")
NAMESPACED_SYSCTLS = ("kernel.sem", "kernel.domainname", "kernel.hostname")


class LimitError(ContainerError):
    """A ulimit or sysctl cannot be applied."""


def rlimit_plan(rlimits: tuple[Rlimit, ...]) -> tuple[tuple[int, int, int], ...]:
    """(resource id, soft, hard) for each ulimit, refusing any hard limit above the caller's own."""
    out = []
    for r in rlimits:
        rid = RLIMITS.get(r.name.lower())
        if rid is None:
            raise LimitError(f"ulimits: unknown limit {r.name!r} (known: {', '.join(sorted(RLIMITS))})")
        if r.soft > r.hard and r.hard != resource.RLIM_INFINITY:
            raise LimitError(f"ulimits {r.name}: soft limit {r.soft} is above hard limit {r.hard}")
        _, caller_hard = resource.getrlimit(rid)
        if caller_hard != resource.RLIM_INFINITY and (r.hard > caller_hard or r.hard == resource.RLIM_INFINITY):
            raise LimitError(
                f"ulimits {r.name}: hard limit {r.hard} is above this process's hard limit {caller_hard}; raising it "
                f"needs CAP_SYS_RESOURCE, which this host does not grant. Ask for at most {caller_hard}."
            )
        out.append((rid, r.soft, r.hard))
    return tuple(out)


def check_sysctls(spec: ContainerSpec) -> None:
    """Only namespaced sysctls; net.* only with the container's own network namespace."""
    net = spec.namespace("net")
    own_net = net is not None and not net.host and not net.path
    ipc = spec.namespace("ipc")
    own_ipc = ipc is not None and not ipc.host
    for key, _ in spec.sysctls:
        if key.startswith("net."):
            if not own_net:
                raise LimitError(f"sysctls {key}: net.* sysctls need the container's own network namespace")
        elif key.startswith(NAMESPACED_SYSCTL_PREFIXES) or key == "kernel.sem":
            if not own_ipc:
                raise LimitError(f"sysctls {key}: IPC sysctls need the container's own IPC namespace")
        else:
            raise LimitError(f"sysctls {key}: not a namespaced sysctl; it would change the host, refused "
                             "(allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)")
