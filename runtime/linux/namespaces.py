"""Namespaces: the ordered kinds, their clone flags, and which to create or join for a spec."""

from __future__ import annotations

from runtime.linux import syscalls as sc
from runtime.records import record

FLAGS: dict[str, int] = {
    "pid": sc.CLONE_NEWPID,
    "mount": sc.CLONE_NEWNS,
    "uts": sc.CLONE_NEWUTS,
    "ipc": sc.CLONE_NEWIPC,
    "net": sc.CLONE_NEWNET,
    "cgroup": sc.CLONE_NEWCGROUP,
}

# Join order matters: joining a user-visible ns before mount keeps /proc paths valid; cgroup last.
ORDER: tuple[str, ...] = ("ipc", "uts", "net", "pid", "mount", "cgroup")


@record
class NamespacePlan:
    """``clone_flags``: namespaces to create (pid with the fork, the rest by the child's unshare; all but cgroup);
    ``joins``: (kind, path) for the child to setns into; ``new_cgroup``: unshare the cgroup ns after joining the
    cgroup; ``pid_join``: an existing pid namespace to fork the child into (setns on pid only affects children)."""

    clone_flags: int
    joins: tuple[tuple[str, str], ...]
    new_cgroup: bool
    pid_join: str | None = None


def plan(namespaces: tuple) -> NamespacePlan:
    """Work out clone flags and joins from a spec's ``Namespace`` entries; kinds not listed stay the host's."""
    by_kind = {ns.kind: ns for ns in namespaces}
    unknown = set(by_kind) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown namespace kind(s): {', '.join(sorted(unknown))}")
    flags = 0
    joins = []
    pid_join = None
    for kind in ORDER:
        ns = by_kind.get(kind)
        if ns is None or ns.host:
            continue
        if ns.path and kind == "pid":
            pid_join = ns.path
        elif ns.path:
            joins.append((kind, ns.path))
        elif kind != "cgroup":
            flags |= FLAGS[kind]
    if "mount" not in by_kind or by_kind["mount"].host or by_kind["mount"].path:
        raise ValueError("a container needs its own mount namespace (kind 'mount' must be created, not joined)")
    cg = by_kind.get("cgroup")
    return NamespacePlan(flags, tuple(joins), cg is not None and not cg.host and not cg.path, pid_join)
