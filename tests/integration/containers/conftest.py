"""Fixtures for container integration tests (root): a busybox rootfs, a spec builder, a probe runner, and a
check that every test leaves no mount, cgroup or process behind."""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from runtime.process import launcher
from runtime.spec import ContainerSpec, ProcessSpec, RootfsSpec
from tests.support.busybox import busybox_rootfs


@dataclasses.dataclass
class Probe:
    code: int
    out: str
    err: str
    oom_killed: bool


class Containers:
    """Builds specs for one test and remembers them for the leak check."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ids: list[str] = []
        self.running: list[launcher.ContainerProcess] = []

    def spec(self, *args: str, **kw: object) -> ContainerSpec:
        cid = "dy" + uuid.uuid4().hex[:14]
        self.ids.append(cid)
        extra = kw.pop("process_kw", {})
        process = kw.pop("process", None) or ProcessSpec(args=args, **extra)  # type: ignore[arg-type]
        readonly = bool(kw.pop("readonly", False))
        rootfs = RootfsSpec((str(busybox_rootfs()),), str(self.tmp / cid), readonly=readonly)
        return ContainerSpec(id=cid, rootfs=rootfs, process=process, **kw)  # type: ignore[arg-type]

    def start(self, spec: ContainerSpec, out: Path | None = None) -> launcher.ContainerProcess:
        out = out or self.tmp / f"{spec.id}.out"
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            proc = launcher.start(spec, stdio=(None, fd, fd))
        finally:
            os.close(fd)
        self.running.append(proc)
        return proc

    def run(self, spec: ContainerSpec, **start_kw: object) -> Probe:
        out, err = self.tmp / f"{spec.id}.out", self.tmp / f"{spec.id}.err"
        fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for p in (out, err)]
        try:
            proc = launcher.start(spec, stdio=(None, fds[0], fds[1]), **start_kw)  # type: ignore[arg-type]
        finally:
            for fd in fds:
                os.close(fd)
        self.running.append(proc)
        code = proc.wait(60)
        assert code is not None, "container did not exit within 60 s"
        return Probe(code, out.read_text(), err.read_text(), proc.oom_killed)

    def sh(self, script: str, **kw: object) -> Probe:
        return self.run(self.spec("sh", "-c", script, **kw))


def _host_mount_lines(tmp: Path) -> list[str]:
    with open("/proc/self/mountinfo") as fh:
        return [line for line in fh if str(tmp) in line]


def _cgroup_dirs(cid: str) -> list[Path]:
    return [p for p in Path("/sys/fs/cgroup").glob(f"*/dockyard/{cid}")] + \
        [p for p in Path("/sys/fs/cgroup").glob(f"dockyard/{cid}")]


@pytest.fixture
def containers(tmp_path: Path) -> Iterator[Containers]:
    c = Containers(tmp_path)
    yield c
    for proc in c.running:
        if proc.exit_code is None:
            proc.kill()
            proc.wait()
    leaks = {
        "mounts": _host_mount_lines(tmp_path),
        "cgroups": [str(p) for cid in c.ids for p in _cgroup_dirs(cid)],
    }
    assert leaks == {"mounts": [], "cgroups": []}, f"test left things behind: {leaks}"
