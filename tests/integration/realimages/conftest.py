"""Fixtures for the real-image tests (root): the session's store of real images, and a runner that starts
containers from them with dockyard's launcher (image layers as overlay lowers, the image's Env/WorkingDir/Cmd),
optionally all in one loopback-only netns so a probe can reach a server. Every test is checked for leftover
mounts, cgroups and processes."""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from runtime.images.service import ImageService
from runtime.process import launcher
from runtime.spec import NAMESPACE_KINDS, ContainerSpec, Namespace, ProcessSpec, RootfsSpec
from tests.support.netns import netns
from tests.support.realimages import RealImages, real_images  # noqa: F401 - session fixture


@dataclass(frozen=True)
class Probe:
    code: int
    out: str
    err: str


class ImageRunner:
    """Starts containers from the real images; remembers them so teardown can kill and check them."""

    def __init__(self, images: RealImages, tmp: Path, net: str | None) -> None:
        self.service = ImageService(images.root)
        self.tmp = tmp
        self.net = net  # path of a netns every container joins (None: each gets its own)
        self.running: list[launcher.ContainerProcess] = []

    def config(self, ref: str) -> dict:
        return self.service.image_config(ref).get("config") or {}

    def spec(self, ref: str, args: tuple[str, ...] = ()) -> ContainerSpec:
        """``args`` replace the image's Cmd (and Entrypoint), like ``docker run --entrypoint '' IMAGE ARGS``;
        without them the image's own Entrypoint + Cmd run."""
        config = self.config(ref)
        argv = args or (*config.get("Entrypoint", []), *config.get("Cmd", []))
        cid = "dy" + uuid.uuid4().hex[:14]
        layers = tuple(str(p) for p in self.service.rootfs_layers(ref))
        namespaces = tuple(Namespace(k, path=self.net) if k == "net" and self.net else Namespace(k)
                           for k in NAMESPACE_KINDS)
        process = ProcessSpec(args=tuple(argv), env=tuple(config.get("Env", ())),
                              cwd=config.get("WorkingDir") or "/")
        stop = getattr(signal, config.get("StopSignal") or "SIGTERM")
        return ContainerSpec(id=cid, rootfs=RootfsSpec(layers, str(self.tmp / cid)), process=process,
                             namespaces=namespaces, stop_signal=int(stop), stop_grace_period=10.0)

    def start(self, ref: str, *args: str, stdin: Path | None = None) -> tuple[launcher.ContainerProcess, Path]:
        """Start a container; returns it and the file collecting its stdout and stderr."""
        spec = self.spec(ref, args)
        out = self.tmp / f"{spec.id}.log"
        fds = [os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
        fds.insert(0, os.open(stdin or os.devnull, os.O_RDONLY))
        try:
            proc = launcher.start(spec, stdio=(fds[0], fds[1], fds[1]))
        finally:
            for fd in fds:
                os.close(fd)
        self.running.append(proc)
        return proc, out

    def run(self, ref: str, *args: str, stdin: Path | None = None, timeout: float = 60) -> Probe:
        """Run to completion; stdout and stderr are collected separately."""
        spec = self.spec(ref, args)
        out, err = self.tmp / f"{spec.id}.out", self.tmp / f"{spec.id}.err"
        fds = [os.open(stdin or os.devnull, os.O_RDONLY)]
        fds += [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for p in (out, err)]
        try:
            proc = launcher.start(spec, stdio=(fds[0], fds[1], fds[2]))
        finally:
            for fd in fds:
                os.close(fd)
        self.running.append(proc)
        code = proc.wait(timeout)
        assert code is not None, f"{ref} {' '.join(args)}: did not exit within {timeout} s"
        return Probe(code, out.read_text(), err.read_text())


def _mounts_under(path: Path) -> list[str]:
    with open("/proc/self/mountinfo") as fh:
        return [line.split()[4] for line in fh if str(path) in line.split()[4]]


def _runner(images: RealImages, tmp: Path, net: str | None) -> Iterator[ImageRunner]:
    runner = ImageRunner(images, tmp, net)
    try:
        yield runner
    finally:
        for proc in runner.running:
            if proc.exit_code is None:
                proc.kill()
                proc.wait()
        leaks = {"mounts": _mounts_under(tmp), "processes": [p.pid for p in runner.running if p.exit_code is None]}
        assert leaks == {"mounts": [], "processes": []}, f"test left things behind: {leaks}"


@pytest.fixture
def images(real_images: RealImages, tmp_path: Path) -> Iterator[ImageRunner]:  # noqa: F811
    """Containers from the real images, each in its own namespaces."""
    yield from _runner(real_images, tmp_path, None)


@pytest.fixture
def lan(real_images: RealImages, tmp_path: Path) -> Iterator[ImageRunner]:  # noqa: F811
    """Containers from the real images that all share one loopback-only network namespace."""
    with netns("ri") as ns:
        yield from _runner(real_images, tmp_path, ns.path)
