"""What dockyard (or a test) could leave on the host: links, netns, mounts, cgroups, nft tables, processes.

``snapshot()`` reads them all; the session-end check in tests/conftest.py fails the run when anything new that
looks like ours is still there after the last test.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROCESS_MARKERS = ("runtime.supervise", "runtime.network.dnsd", "docker-registry", "dockyard")
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Snapshot:
    links: frozenset[str]
    netns: frozenset[str]
    mounts: frozenset[str]
    cgroups: frozenset[str]
    nft_tables: frozenset[str]
    processes: frozenset[tuple[int, str]]

    def new_since(self, before: "Snapshot") -> dict[str, list]:
        out = {}
        for name in ("links", "netns", "mounts", "cgroups", "nft_tables", "processes"):
            extra = sorted(getattr(self, name) - getattr(before, name))
            if extra:
                out[name] = extra
        return out


def _run(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _links() -> frozenset[str]:
    names = set()
    for line in _run("ip", "-o", "link", "show").splitlines():
        parts = line.split(": ")
        if len(parts) > 1:
            name = parts[1].split("@")[0]
            if name.startswith("dy"):
                names.add(name)
    return frozenset(names)


def _netns() -> frozenset[str]:
    return frozenset(l.split()[0] for l in _run("ip", "netns", "list").splitlines() if l.strip().startswith("dy"))


def _mounts() -> frozenset[str]:
    with open("/proc/self/mountinfo") as fh:
        return frozenset(line.split()[4] for line in fh)


def _cgroups() -> frozenset[str]:
    found = set()
    if CGROUP_ROOT.is_dir():
        for hierarchy in CGROUP_ROOT.iterdir():
            base = hierarchy / "dockyard"
            if base.is_dir():
                found.update(str(p) for p in base.iterdir() if p.is_dir())
    return frozenset(found)


def _nft_tables() -> frozenset[str]:
    return frozenset(l.strip() for l in _run("nft", "list", "tables").splitlines() if " dy" in l)


def _processes() -> frozenset[tuple[int, str]]:
    me = os.getpid()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if any(marker in cmdline for marker in PROCESS_MARKERS) and "pytest" not in cmdline:
            found.add((int(entry.name), cmdline[:200]))
    return frozenset(found)


def snapshot() -> Snapshot:
    return Snapshot(_links(), _netns(), _mounts(), _cgroups(), _nft_tables(), _processes())


def still_running(processes: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(pid, cmd) for pid, cmd in processes if Path(f"/proc/{pid}").exists()]
