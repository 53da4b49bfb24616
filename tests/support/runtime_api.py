"""Helpers for facade tests: a busybox image imported into a Runtime, and a check that nothing was left behind."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from runtime.api import Runtime
from tests.support.busybox import busybox_rootfs

BUSYBOX_REF = "dockyard.test/busybox:api"
BUSYBOX_CONFIG = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_IMAGE=1"],
                  "Cmd": ["sh"], "WorkingDir": "/"}


def busybox_tar(dest: Path) -> Path:
    """A tar of the session's busybox rootfs (symlinks kept as symlinks)."""
    root = busybox_rootfs()
    with tarfile.open(dest, "w") as tar:
        for entry in sorted(root.iterdir()):
            tar.add(entry, arcname=entry.name)
    return dest


def import_busybox(rt: Runtime, tmp: Path, ref: str = BUSYBOX_REF, config: dict | None = None) -> str:
    rt.images.import_rootfs(busybox_tar(tmp / "busybox.tar"), ref, config=config or BUSYBOX_CONFIG)
    return ref


def leftovers(rt: Runtime, tmp: Path, ids: list[str]) -> dict[str, list[str]]:
    """Mounts under the test's dirs, netns files, cgroups of the given containers, dockyard links of its networks,
    and live runner/container processes recorded in state."""
    with open("/proc/self/mountinfo") as fh:
        mounts = [line.split()[4] for line in fh if str(tmp) in line]
    cgroups = [str(p) for cid in ids for p in Path("/sys/fs/cgroup").glob(f"*/dockyard/{cid}")]
    cgroups += [str(p) for cid in ids for p in Path("/sys/fs/cgroup").glob(f"dockyard/{cid}")]
    netns = sorted(os.listdir(rt.run_dir / "netns")) if (rt.run_dir / "netns").is_dir() else []
    return {"mounts": mounts, "cgroups": cgroups, "netns": netns}
