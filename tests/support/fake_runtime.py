"""An in-memory ``runtime.Runtime`` for orchestration tests: the facade's contract, no kernel.

Behaviour is scripted per service (or container name) with ``behave``: health statuses to step through, an exit
code to reach after some observations, a start failure. Every observation (``containers``, ``inspect_container``,
``wait_container``) is one tick of the scripted clock, so tests never sleep. ``calls`` records what was asked.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from runtime import (
    BuildError,
    BuildEvent,
    BuildRequest,
    ContainerError,
    ContainerInfo,
    ContainerNotFoundError,
    ContainerSpec,
    HealthInfo,
    ImageNotFoundError,
    LogLine,
    NetworkInfo,
    NetworkSpec,
    PortInfo,
    StateError,
    VolumeInfo,
    VolumeSpec,
)
from tests.support.fake_images import FakeImage, FakeImages

SERVICE_LABEL = "com.docker.compose.service"


@dataclass
class Behaviour:
    """``health``: statuses reported on successive ticks after start (the last one sticks); ``exit_code``: the
    process exits with it ``exit_after`` ticks after start; ``start_error``: raised by start_container."""

    health: tuple[str, ...] = ()
    health_output: str = ""
    exit_code: int | None = None
    exit_after: int = 0
    start_error: Exception | None = None
    logs: tuple[str, ...] = ()


@dataclass
class _Box:
    spec: ContainerSpec
    id: str
    created: str
    state: str = "created"
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    restart_count: int = 0
    ticks: int = 0
    health: str | None = None
    health_output: str = ""
    starts: int = 0
    image_id: str = "sha256:" + "1" * 64
    stat_reads: int = 0


class FakeRuntime:
    """The runtime contract in memory. ``behave(key, ...)`` scripts containers whose service or name is ``key``.
    Loops run over a snapshot of the containers: ``up`` calls it from several threads at once."""

    def __init__(self) -> None:
        self.boxes: dict[str, _Box] = {}
        self.nets: dict[str, NetworkInfo] = {}
        self.vols: dict[str, VolumeInfo] = {}
        self.images = FakeImages()
        self.calls: list[str] = []
        self.behaviours: dict[str, Behaviour] = {}
        self.builds: list[BuildRequest] = []
        self.build_failures: dict[str, int] = {}
        self._seq = itertools.count(1)
        self.fs_base = Path(tempfile.gettempdir())  # tests that copy set their own

    # ---- scripting -----------------------------------------------------------------------------------------
    def behave(self, key: str, **kwargs: Any) -> None:
        self.behaviours[key] = Behaviour(**kwargs)

    def _behaviour(self, box: _Box) -> Behaviour | None:
        return self.behaviours.get(box.spec.name) or self.behaviours.get(box.spec.label_dict().get(SERVICE_LABEL, ""))

    def _tick(self) -> None:
        for box in list(self.boxes.values()):
            if box.state != "running":
                continue
            box.ticks += 1
            script = self._behaviour(box)
            if script is None:
                continue
            if script.health:
                box.health = script.health[min(box.ticks - 1, len(script.health) - 1)]
                box.health_output = script.health_output
            if script.exit_code is not None and box.ticks > script.exit_after:
                self._exit(box, script.exit_code)

    def _exit(self, box: _Box, code: int) -> None:
        box.state, box.exit_code, box.finished_at = "exited", code, self._now()

    def _now(self) -> str:
        return f"2026-01-01T00:00:{next(self._seq) % 60:02d}.000000000Z"

    # ---- containers ----------------------------------------------------------------------------------------
    def _find(self, ref: str) -> _Box:
        if ref in self.boxes:
            return self.boxes[ref]
        found = [b for b in list(self.boxes.values()) if b.spec.name == ref] or \
                [b for b in list(self.boxes.values()) if b.id.startswith(ref)]
        if len(found) != 1:
            raise ContainerNotFoundError(f"container {ref}: no such container")
        return found[0]

    def _info(self, box: _Box) -> ContainerInfo:
        health = HealthInfo(box.health, log=({"Output": box.health_output},)) if box.health else None
        ports = tuple(PortInfo(p.host_ip, p.host_port or 49153, p.protocol, "10.0.0.2", p.container_port)
                      for p in box.spec.ports) if box.state == "running" else ()
        return ContainerInfo(
            id=box.id, name=box.spec.name, image=box.spec.image, image_id=box.image_id,
            command=tuple(box.spec.command or ("sh",)), labels=box.spec.labels, state=box.state,
            created=box.created, started_at=box.started_at, finished_at=box.finished_at, exit_code=box.exit_code,
            restart_count=box.restart_count, health=health, ports=ports,
            networks=tuple((n.network, "10.0.0.2") for n in box.spec.networks),
        )

    def create_container(self, spec: ContainerSpec) -> ContainerInfo:
        self.calls.append(f"create {spec.name}")
        if any(b.spec.name == spec.name for b in list(self.boxes.values())):
            raise ContainerError(f"create container {spec.name}: the name is already in use")
        box = _Box(spec, hashlib.sha256(f"{spec.name}{next(self._seq)}".encode()).hexdigest(), self._now())
        if self.has_image(spec.image):
            box.image_id = self.images.resolve(spec.image)
        self.boxes[box.id] = box
        return self._info(box)

    def start_container(self, id: str) -> ContainerInfo:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"start {box.spec.name}")
        script = self._behaviour(box)
        if script is not None and script.start_error is not None:
            raise script.start_error
        if box.state == "running":
            raise StateError(f"start container {box.spec.name}: already running")
        box.state, box.started_at, box.exit_code, box.ticks = "running", self._now(), None, 0
        box.starts += 1
        box.health = "starting" if box.spec.healthcheck is not None else None
        return self._info(box)

    def stop_container(self, id: str, timeout: float | None = None) -> ContainerInfo:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"stop {box.spec.name}")
        if box.state in ("running", "paused", "restarting"):
            self._exit(box, 0)
        return self._info(box)

    def kill_container(self, id: str, signal: int = 9) -> None:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"kill {box.spec.name} {signal}")
        if box.state not in ("running", "paused"):
            raise StateError(f"kill container {box.spec.name}: not running")
        self._exit(box, 128 + signal)

    def restart_container(self, id: str, timeout: float | None = None) -> ContainerInfo:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"restart {box.spec.name}")
        box.state, box.started_at, box.ticks = "running", self._now(), 0
        return self._info(box)

    def pause_container(self, id: str) -> None:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"pause {box.spec.name}")
        if box.state != "running":
            raise StateError(f"pause container {box.spec.name}: not running")
        box.state = "paused"

    def unpause_container(self, id: str) -> None:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"unpause {box.spec.name}")
        if box.state != "paused":
            raise StateError(f"unpause container {box.spec.name}: not paused")
        box.state = "running"

    def remove_container(self, id: str, force: bool = False, volumes: bool = False) -> None:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"remove {box.spec.name}" + (" -v" if volumes else ""))
        if box.state in ("running", "paused") and not force:
            raise StateError(f"remove container {box.spec.name}: it is running; stop it first or force")
        del self.boxes[box.id]

    def containers(self, labels: dict[str, str] | None = None, all: bool = True) -> list[ContainerInfo]:  # noqa: A002
        self._tick()
        wanted = labels or {}
        out = [self._info(b) for b in list(self.boxes.values())
               if all or b.state in ("running", "paused", "restarting")]
        return [c for c in out if all_items(c.label_dict(), wanted)]

    def inspect_container(self, id: str) -> dict:  # noqa: A002
        self._tick()
        info = self._info(self._find(id))
        return {"Id": info.id, "Name": info.name, "State": {"Status": info.state, "ExitCode": info.exit_code},
                "Config": {"Labels": info.label_dict(), "Image": info.image}}

    def with_container_fs(self, ref: str, fn: Any) -> Any:
        """``fn`` on the container's files: a directory per container under ``fs_base`` (set by the test), as the
        real one gives a root whether the container runs or not."""
        box = self._find(ref)
        self.calls.append(f"fs {box.spec.name}")
        root = self.fs_base / box.id
        root.mkdir(parents=True, exist_ok=True)
        return fn(root)

    def wait_container(self, id: str, timeout: float | None = None) -> int:  # noqa: A002
        box = self._find(id)
        for _ in range(1000):
            if box.state not in ("running", "paused", "restarting"):
                return box.exit_code or 0
            self._tick()
        raise ContainerError(f"wait container {box.spec.name}: timed out")

    def logs(self, ids: list[str], follow: bool = False, tail: int | None = None, since: Any = None,
             until: Any = None, stop: Any = None) -> Iterator[LogLine]:
        lines: list[LogLine] = []
        for ref in ids:
            box = self._find(ref)
            script = self._behaviour(box)
            texts = list(script.logs if script else ())
            if tail is not None:
                texts = texts[-tail:] if tail else []
            for n, text in enumerate(texts):
                lines.append(LogLine(box.id, f"2026-01-01T00:00:{n:02d}.{len(lines):09d}Z", "stdout", text))
        yield from sorted(lines, key=lambda line: line.time)

    def run(self, spec: ContainerSpec, attach: bool = True, remove: bool = False, warn: Any = None) -> int:
        """Create and start; attached, print the scripted output (as the real one passes stdout through)."""
        info = self.create_container(spec)
        for text in info.warnings if warn else ():
            warn(text)
        if spec.network_mode == "bridge" and not spec.networks:  # as the runtime: its default network, on demand
            self.create_network(NetworkSpec("bridge", labels=(("dockyard.default", "true"),)))
        if not attach:
            self.start_container(info.id)
            return 0
        return self.start_attached(info.id, remove)

    def start_attached(self, id: str, remove: bool = False) -> int:  # noqa: A002
        """Start in the foreground: the scripted output is printed (as the real one passes it through)."""
        box = self._find(id)
        self.start_container(box.id)
        for line in self.logs([box.id]):
            print(line.text)
        code = self.wait_container(box.id)
        if remove:
            self.remove_container(box.id, force=True, volumes=True)
        return code

    def exec(self, id: str, argv: list[str], **_: Any) -> int:  # noqa: A002
        box = self._find(id)
        self.calls.append(f"exec {box.spec.name} {' '.join(argv)}")
        return 0

    def stats(self, id: str) -> dict:  # noqa: A002
        """Each read of a running container: +0.5 s of clock, +0.1 s of CPU (20 %); 64 MiB of 256 MiB, 3 pids."""
        box = self._find(id)
        running = box.state == "running"
        box.stat_reads += 1
        return {"id": box.id, "name": box.spec.name, "state": box.state, "read_ns": box.stat_reads * 500_000_000,
                "cpu_ns": box.stat_reads * 100_000_000 if running else 0,
                "memory_usage": 64 << 20 if running else 0, "memory_limit": 256 << 20, "pids": 3 if running else 0}

    def top(self, id: str) -> list[dict]:  # noqa: A002
        box = self._find(id)
        return [{"UID": "root", "PID": "100", "PPID": "1", "CMD": " ".join(box.spec.command or ("sh",))}]

    # ---- networks / volumes / images -------------------------------------------------------------------------
    def create_network(self, spec: NetworkSpec) -> NetworkInfo:
        self.calls.append(f"create network {spec.name}")
        info = NetworkInfo(spec.name, hashlib.sha256(spec.name.encode()).hexdigest(), "dy0", "10.0.0.0/24",
                           "10.0.0.1", None, spec.internal, spec.attachable, spec.mtu, spec.labels)
        self.nets.setdefault(spec.name, info)
        return self.nets[spec.name]

    def remove_network(self, name: str, missing_ok: bool = False) -> None:
        self.calls.append(f"remove network {name}")
        if self.nets.pop(name, None) is None and not missing_ok:
            raise ContainerError(f"network {name}: not found")

    def networks(self, labels: dict[str, str] | None = None) -> list[NetworkInfo]:
        return [n for n in self.nets.values() if all_items(dict(n.labels), labels or {})]

    def _attached(self, network: str) -> bool:
        """Running containers hold an endpoint (``bridge``: those with no networks of their own)."""
        def uses(spec: ContainerSpec) -> bool:
            named = any(a.network == network for a in spec.networks)
            return named or (network == "bridge" and spec.network_mode == "bridge" and not spec.networks)

        return any(b.state in ("running", "paused") and uses(b.spec) for b in list(self.boxes.values()))

    def prune_networks(self, labels: dict[str, str] | None = None) -> list[str]:
        gone = [n.name for n in self.networks(labels) if not self._attached(n.name)]
        for name in gone:
            self.remove_network(name)
        return gone

    def prune_volumes(self, labels: dict[str, str] | None = None) -> list[str]:
        used = {m.source for b in list(self.boxes.values()) for m in b.spec.mounts if m.kind == "volume"}
        gone = [v.name for v in self.volumes(labels) if v.name not in used]
        for name in gone:
            self.remove_volume(name)
        return gone

    def create_volume(self, spec: VolumeSpec) -> VolumeInfo:
        self.calls.append(f"create volume {spec.name}")
        info = VolumeInfo(spec.name, f"/volumes/{spec.name}/_data", spec.driver, spec.labels, self._now())
        self.vols.setdefault(spec.name, info)
        return self.vols[spec.name]

    def remove_volume(self, name: str, missing_ok: bool = False) -> None:
        self.calls.append(f"remove volume {name}")
        if self.vols.pop(name, None) is None and not missing_ok:
            raise ContainerError(f"volume {name}: not found")

    def volumes(self, labels: dict[str, str] | None = None) -> list[VolumeInfo]:
        return [v for v in self.vols.values() if all_items(dict(v.labels), labels or {})]

    def pull_image(self, ref: str, platform: Any = None, progress: Any = None) -> FakeImage:
        return self.images.pull(ref, platform, progress)

    def has_image(self, ref: str) -> bool:
        try:
            self.images.resolve(ref)
            return True
        except ImageNotFoundError:
            return False

    def image_config(self, ref: str) -> dict:
        return self.images.image_config(ref)

    # ---- builds: every request is recorded; ``build_failures[tag]`` makes the build of that tag fail ----------
    def build(self, request: BuildRequest, progress: Any = None) -> FakeImage:
        self.builds.append(request)
        self.calls.append(f"build {request.tags[0]}")
        emit = progress or (lambda event: None)
        emit(BuildEvent("step", "", 1, 2, 1, "FROM scratch"))
        emit(BuildEvent("step", "", 2, 2, 2, "RUN make"))
        emit(BuildEvent("output", "", 2, 2, 2, f"making {request.tags[0]}"))
        failure = self.build_failures.get(request.tags[0])
        if failure is not None:
            raise BuildError(f"Dockerfile:2: RUN make: exit code {failure}; last output:\n  | make: *** failed",
                             line=2, command="RUN make", exit_code=failure, output=("make: *** failed",))
        emit(BuildEvent("done", "", 2, 2, 2, "RUN make", seconds=0.5))
        image_id = "sha256:" + hashlib.sha256(f"{request.tags}{len(self.builds)}".encode()).hexdigest()
        for tag in request.tags:
            image = self.images.add(tag, image_id)
        emit(BuildEvent("image", text=image_id))
        return image

    def commit_container(self, id: str, reference: str | None = None, *, message: str = "",  # noqa: A002
                         author: str = "", pause: bool = True, changes: Any = ()) -> FakeImage:
        box = self._find(id)
        self.calls.append(f"commit {box.spec.name} {reference or '-'} pause={pause} {message!r} {author!r}"
                          + "".join(f" change={c!r}" for c in changes))
        image_id = "sha256:" + hashlib.sha256(f"{box.id}{len(self.calls)}".encode()).hexdigest()
        return self.images.add(reference, image_id) if reference else FakeImage(image_id, ())

    def build_plan(self, request: BuildRequest) -> str:
        return f"build plan for {request.dockerfile or 'inline Dockerfile'} in {request.context_dir.name}\n"

    # ---- helpers for tests -----------------------------------------------------------------------------------
    def state_of(self, name: str) -> str:
        return self._find(name).state

    def names(self) -> list[str]:
        return sorted(b.spec.name for b in list(self.boxes.values()))

    def set_state(self, name: str, state: str, exit_code: int | None = None) -> None:
        box = self._find(name)
        box.state, box.exit_code = state, exit_code

    def relabel(self, name: str, key: str, value: str) -> None:
        box = self._find(name)
        box.spec = replace(box.spec, labels=tuple(sorted({**box.spec.label_dict(), key: value}.items())))


def all_items(have: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(have.get(k) == v for k, v in wanted.items())


__all__ = ["Behaviour", "FakeImage", "FakeImages", "FakeRuntime", "field"]
