"""Helpers for build tests: a busybox rootfs tar for ``FROM scratch`` + ``ADD rootfs.tar /``, build contexts
written from a dict, and running a command in a built image to look at its filesystem."""

from __future__ import annotations

import os
import secrets
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from runtime.build import BuildEvent, BuildRequest, Builder
from runtime.images.service import ImageInfo, ImageService
from runtime.process import launcher
from runtime.spec import ContainerSpec, ProcessSpec, RootfsSpec, User
from tests.support.busybox import busybox_rootfs

_tar: list[Path] = []

BASE = "FROM scratch\nADD rootfs.tar /\n"


def busybox_tar() -> Path:
    """The session's busybox rootfs as a plain tar (built once)."""
    if not _tar:
        base = Path(tempfile.mkdtemp(prefix="dy-buildtar-"))
        import atexit

        atexit.register(shutil.rmtree, base, True)
        path = base / "rootfs.tar"
        with tarfile.open(path, "w") as tar:
            tar.add(busybox_rootfs(), arcname=".")
        _tar.append(path)
    return _tar[0]


def write_context(dest: Path, dockerfile: str, files: dict[str, str | bytes] | None = None,
                  rootfs: bool = True) -> Path:
    """A context dir with ``Dockerfile``, ``rootfs.tar`` (hard-linked) and ``files``."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Dockerfile").write_text(dockerfile)
    if rootfs:
        try:
            os.link(busybox_tar(), dest / "rootfs.tar")
        except OSError:  # another filesystem
            shutil.copyfile(busybox_tar(), dest / "rootfs.tar")
    for name, content in (files or {}).items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return dest


@dataclass
class BuildRun:
    """A Builder plus the events of its last build."""

    images: ImageService
    builder: Builder
    events: list[BuildEvent] = field(default_factory=list)

    def build(self, context: Path, **kw: object) -> ImageInfo:
        self.events = []
        return self.builder.build(BuildRequest(context, **kw), progress=self.events.append)  # type: ignore[arg-type]

    def kinds(self, kind: str) -> list[int]:
        """Step numbers that reported ``kind`` (``cached``, ``done``, ``output``...)."""
        return sorted({e.step for e in self.events if e.kind == kind})

    def layer_steps(self) -> list[int]:
        """Step numbers that had a filesystem step (cached or built)."""
        return sorted({e.step for e in self.events if e.kind in ("cached", "done")})

    def output(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "output"]


def run_in_image(images: ImageService, ref: str, script: str, tmp: Path, user: str = "") -> tuple[int, str]:
    """Run ``sh -c script`` in a container of image ``ref`` (no network); (exit code, stdout+stderr)."""
    cid = "dyt" + secrets.token_hex(13)
    layers = tuple(str(p) for p in images.rootfs_layers(ref))
    spec = ContainerSpec(cid, RootfsSpec(layers, str(tmp / cid)),
                         ProcessSpec(("/bin/sh", "-c", script), env=("PATH=/bin:/usr/bin:/sbin",), user=User(user)))
    out = tmp / f"{cid}.out"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        proc = launcher.start(spec, stdio=(None, fd, fd))
    finally:
        os.close(fd)
    code = proc.wait(60)
    if code is None:
        proc.kill()
        proc.wait()
        raise AssertionError(f"container for {ref} did not exit within 60 s")
    shutil.rmtree(tmp / cid, ignore_errors=True)
    return code, out.read_text()


def mounts_under(path: Path) -> list[str]:
    with open("/proc/self/mountinfo") as fh:
        return [line for line in fh if str(path) in line]


def build_cgroups() -> list[Path]:
    """cgroups of build containers ("dyb" + 26 hex digits) still present, in v1 hierarchies or the v2 tree."""
    found: list[Path] = []
    for pattern in ("*/dockyard/dyb*", "dockyard/dyb*"):
        try:
            found += [p for p in Path("/sys/fs/cgroup").glob(pattern) if len(p.name) == 29]
        except OSError:  # another test's cgroup vanished while we looked
            continue
    return found
