"""The Runtime facade: the one object compose talks to. Translates lower errors at this seam.

CONTRACT (being implemented; every method below is part of the public surface):

    rt = Runtime(root=None, run=None)          # DOCKYARD_ROOT / DOCKYARD_RUN, defaults /var/lib/dockyard, /run/dockyard

    images
      rt.pull_image(ref, platform=None, progress=None) -> ImageInfo
      rt.has_image(ref) -> bool
      rt.image_config(ref) -> dict             # OCI image config ("config" section: Env, Cmd, Entrypoint, ...)
      rt.images -> ImageService                # list/inspect/remove/prune/load/save/import/push
      rt.build(request: BuildRequest, progress=None) -> ImageInfo   # a Dockerfile built on this runtime, stored
                                                                    # and tagged; BuildError names the failed step
      rt.build_plan(request: BuildRequest) -> str                   # the resolved plan (``build --print``)

    containers (ids are 64-hex; every method also accepts a unique name or id prefix)
      rt.create_container(spec: ContainerSpec) -> ContainerInfo      # state "created"; nothing runs yet
      rt.start_container(id) -> ContainerInfo                        # hands the process to its monitor; returns
                                                                     # once the process exec'd (or raises)
      rt.stop_container(id, timeout: float | None = None) -> ContainerInfo   # stop_signal, then SIGKILL
      rt.kill_container(id, signal: int = 9) -> None
      rt.restart_container(id, timeout=None) -> ContainerInfo
      rt.pause_container(id) / rt.unpause_container(id)
      rt.remove_container(id, force=False, volumes=False) -> None    # unmounts, detaches, deletes everything
      rt.containers(labels: dict[str, str] | None = None, all: bool = True) -> list[ContainerInfo]
      rt.inspect_container(id) -> dict                               # docker inspect-like JSON
      rt.wait_container(id, timeout: float | None = None) -> int     # exit code
      rt.logs(ids, follow=False, tail=None, since=None, until=None, stop=None) -> Iterator[LogLine]
      rt.exec(id, argv, user=None, workdir=None, env=(), tty=False, interactive=False) -> int
      rt.top(id) -> list[dict]

    networks / volumes
      rt.create_network(spec: NetworkSpec) -> NetworkInfo   (idempotent for an identical spec)
      rt.remove_network(name, missing_ok=False); rt.networks(labels=None) -> list[NetworkInfo]
      rt.create_volume(spec: VolumeSpec) -> VolumeInfo      (idempotent)
      rt.remove_volume(name, missing_ok=False); rt.volumes(labels=None) -> list[VolumeInfo]

    extra (beyond the contract)
      rt.run(spec, attach=True, remove=False) -> int   # `dockyard container run`: attached, the container's stdout/
                                                       # stderr are copied to ours (and its log); returns its exit
                                                       # code; detached returns 0 once it runs (remove: removed by
                                                       # the first command that finds it exited)
      rt.stats(id) -> dict                             # cgroup counters: cpu_ns, memory_usage/limit, pids, read_ns
      rt.container(id) -> ContainerInfo; rt.port(id, container_port, protocol="tcp") -> list[PortInfo]
      rt.prune_volumes(labels=None) / rt.prune_networks(labels=None) -> list[str]; rt.network -> NetworkService

    Notes: LogLine.container is the container id. A start that fails before exec raises ContainerError (the record
    stays "created" with the error in inspect's State.Error, as Docker). Detached containers are run by their
    project's monitor (runtime.supervise.monitor; one per value of the com.docker.compose.project label, else one
    "default" monitor), which logs, records exits, restarts and runs healthchecks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from runtime import containers as cs
from runtime import inspect as views
from runtime.network.spec import NetworkInfo, NetworkSpec, PortInfo
from runtime.types import ContainerInfo, ContainerSpec, LogLine

if TYPE_CHECKING:  # loaded on first use: ``ps`` and ``logs`` never pay for httpx, pyroute2 or the launcher
    from runtime.build import BuildRequest, ProgressFn
    from runtime.images.service import ImageInfo, ImageService
    from runtime.images.transfer import PullProgress
    from runtime.lifecycle import Lifecycle
    from runtime.network.service import NetworkService
    from runtime.types_later import VolumeInfo, VolumeSpec
    from runtime.volumes import VolumeService

__all__ = ["Runtime"]


def _seam(step: str) -> Callable:
    """Translate what lower layers let escape (OSError from files, ValueError from parsing) into ContainerError."""
    import functools

    from runtime.errors import ContainerError

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def inner(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            try:
                return fn(*args, **kwargs)
            except (OSError, ValueError) as exc:
                target = args[1] if len(args) > 1 else ""
                name = getattr(target, "name", target)
                raise ContainerError(f"{step} {name}: {exc}") from exc
        return inner
    return wrap


class Runtime:
    """Images, containers, networks and volumes under one DOCKYARD_ROOT / DOCKYARD_RUN pair."""

    def __init__(self, root: Path | str | None = None, run: Path | str | None = None) -> None:
        self.root = Path(root if root is not None else os.environ.get("DOCKYARD_ROOT", "/var/lib/dockyard"))
        self.run_dir = Path(run if run is not None else os.environ.get("DOCKYARD_RUN", "/run/dockyard"))
        self.store = cs.ContainerStore(self.root)
        self._images: ImageService | None = None
        self._network: NetworkService | None = None
        self._volume_service: VolumeService | None = None
        self._lifecycle: Lifecycle | None = None

    @property
    def volume_service(self) -> VolumeService:
        if self._volume_service is None:
            from runtime.volumes import VolumeService

            self._volume_service = VolumeService(self.root, in_use=self._volumes_in_use)
        return self._volume_service

    @property
    def _life(self) -> Lifecycle:
        """The container verbs (create, start, stop...), loaded on first use: reading state does not need them."""
        if self._lifecycle is None:
            from runtime.lifecycle import Lifecycle

            self._lifecycle = Lifecycle(self.store, self.root, self.run_dir, lambda: self.network,
                                        self.volume_service, lambda: self.images)
        return self._lifecycle

    # -- images ------------------------------------------------------------------------------------------------
    @property
    def images(self) -> ImageService:
        if self._images is None:
            from runtime.images.service import ImageService

            self._images = ImageService(self.root, in_use=self._images_in_use)
        return self._images

    @property
    def network(self) -> NetworkService:
        if self._network is None:
            from runtime.network.service import NetworkService

            self._network = NetworkService(self.root, self.run_dir)
        return self._network

    def pull_image(self, ref: str, platform: str | None = None,
                   progress: Callable[[PullProgress], None] | None = None) -> ImageInfo:
        return self.images.pull(ref, platform, progress)

    def has_image(self, ref: str) -> bool:
        return self.images.has(ref)

    def image_config(self, ref: str) -> dict:
        return self.images.image_config(ref).get("config") or {}

    def build(self, request: BuildRequest, progress: ProgressFn | None = None) -> ImageInfo:
        """Build ``request``'s Dockerfile (each RUN in a container of this runtime); the image is stored and tagged
        with ``request.tags``. Raises BuildError (an ImageError) naming the failed step; stores nothing then."""
        from runtime.build import Builder

        return Builder(self.images, self.root).build(request, progress=progress)

    def build_plan(self, request: BuildRequest) -> str:
        """The resolved build plan as text: stages, base images, steps with their cache keys, the image config."""
        from runtime.build import Builder

        return Builder(self.images, self.root).plan(request).describe()

    @_seam("commit container")
    def commit_container(self, id: str, reference: str | None = None, *, message: str = "",  # noqa: A002
                         author: str = "", pause: bool = True, changes: Sequence[str] = ()) -> ImageInfo:
        """The container's changes as a new image (``runtime.build.commit``), tagged ``reference`` if given. A
        running container is frozen while its writable layer is read (``pause``), as ``docker commit`` does;
        ``changes`` are Dockerfile instructions applied to the new config (CMD, ENV, LABEL, ...)."""
        return self._life.commit(id, self.images, reference, message=message, author=author, pause=pause,
                                 changes=tuple(changes))

    def _images_in_use(self) -> set[str]:
        return {rec["image_id"] for rec in self.store.all()}

    def _volumes_in_use(self) -> set[str]:
        return {name for rec in self.store.all() for name in rec.get("volumes", ())}

    # -- containers --------------------------------------------------------------------------------------------
    @_seam("create container")
    def create_container(self, spec: ContainerSpec) -> ContainerInfo:
        return self._life.create(spec)

    @_seam("start container")
    def start_container(self, id: str) -> ContainerInfo:  # noqa: A002 - the contract's name
        return self._life.start(id)

    @_seam("stop container")
    def stop_container(self, id: str, timeout: float | None = None) -> ContainerInfo:  # noqa: A002
        return self._life.stop(id, timeout)

    @_seam("kill container")
    def kill_container(self, id: str, signal: int = 9) -> None:  # noqa: A002
        self._life.kill(id, signal)

    @_seam("restart container")
    def restart_container(self, id: str, timeout: float | None = None) -> ContainerInfo:  # noqa: A002
        self._life.stop(id, timeout)
        return self._life.start(id)

    @_seam("pause container")
    def pause_container(self, id: str) -> None:  # noqa: A002
        self._life.pause(id, True)

    @_seam("unpause container")
    def unpause_container(self, id: str) -> None:  # noqa: A002
        self._life.pause(id, False)

    @_seam("remove container")
    def remove_container(self, id: str, force: bool = False, volumes: bool = False) -> None:  # noqa: A002
        self._life.remove(id, force, volumes)

    def container(self, id: str) -> ContainerInfo:  # noqa: A002
        return cs.to_info(views.refresh(self.store, self.store.resolve(id)))

    def containers(self, labels: dict[str, str] | None = None, all: bool = True) -> list[ContainerInfo]:  # noqa: A002
        out, watched = [], set()
        for cid in self.store.ids():
            try:
                rec = views.refresh(self.store, cid, watched)
            except cs.ContainerNotFoundError:
                continue
            if labels and any(rec.get("labels", {}).get(k) != v for k, v in labels.items()):
                continue
            if cs.abandoned(rec):  # half-made by a killed create: removed, so `up` makes the container afresh
                self._life.discard_abandoned(rec)
                continue
            if rec.get("auto_remove") and rec["state"] in (cs.EXITED, cs.DEAD) and self._life.reap_auto_removed(rec):
                continue
            if all or cs.is_active(rec["state"]):
                out.append(cs.to_info(rec))
        return sorted(out, key=lambda i: i.created)

    @_seam("inspect container")
    def inspect_container(self, id: str) -> dict:  # noqa: A002
        cid = self.store.resolve(id)
        return views.inspect_document(views.refresh(self.store, cid), self.store)

    @_seam("wait for container")
    def wait_container(self, id: str, timeout: float | None = None) -> int:  # noqa: A002
        return self._life.wait(id, timeout)

    def logs(self, ids: str | Sequence[str], follow: bool = False, tail: int | None = None, since: object = None,
             until: object = None, stop: object = None) -> Iterator[LogLine]:
        refs = [ids] if isinstance(ids, str) else list(ids)
        cids = [self.store.resolve(r) for r in refs]
        return views.container_logs(self._life, cids, follow=follow, tail=tail, since=since, until=until, stop=stop)

    @_seam("exec in container")
    def exec(self, id: str, argv: Sequence[str], user: str | None = None, workdir: str | None = None,  # noqa: A002
             env: Sequence[str] = (), tty: bool = False, interactive: bool = False) -> int:
        return self._life.exec(id, tuple(argv), user, workdir, tuple(env), tty, interactive)

    def top(self, id: str) -> list[dict]:  # noqa: A002
        return views.top(views.refresh(self.store, self.store.resolve(id)))

    @_seam("read stats of container")
    def stats(self, id: str) -> dict:  # noqa: A002
        """Counters of a running container's cgroup: ``cpu_ns`` (total CPU time), ``memory_usage`` (bytes, less
        inactive file cache), ``memory_limit`` (bytes or None), ``pids``, and ``read_ns`` (a monotonic clock, to
        turn two reads into a CPU percentage); ``id``, ``name``, ``state``. Zeros when it is not running."""
        return self._life.stats(id)

    def port(self, id: str, container_port: int, protocol: str = "tcp") -> list[PortInfo]:  # noqa: A002
        return self.network.port(self.store.resolve(id), container_port, protocol)

    def with_container_fs(self, ref: str, fn: Callable[[Path], object]) -> object:
        """``fn(root)`` with ``root`` the container's filesystem as the host sees it, for ``cp``. While it runs:
        ``/proc/<pid>/root``. Stopped or never started: its layers, writable layer, volumes and binds mounted for
        the call only, in a forked process with a mount namespace of its own; ``fn`` runs there, so its value must
        be JSON (it comes back through a pipe) and its exception is raised here."""
        return self._life.with_fs(ref, fn)

    @_seam("run container")
    def run(self, spec: ContainerSpec, attach: bool = True, remove: bool = False,
            warn: Callable[[str], None] | None = None) -> int:
        """``dockyard container run``: create and start; attached, the container's stdout/stderr are this
        process's and its exit code is returned; detached, returns 0 once it runs. ``warn`` is given what the
        host will not apply of the spec (``ContainerInfo.warnings``) once the container is created."""
        return self._life.run(spec, attach, remove, warn)

    @_seam("start container")
    def start_attached(self, id: str, remove: bool = False) -> int:  # noqa: A002
        """Start a just-created container in the foreground (``dockyard run``): its stdout/stderr are this
        process's, and its stdin if it was created with ``stdin_open`` (a pty with ``tty``); returns its exit
        code. ``remove``: the container is removed when it ends."""
        return self._life.start_attached(id, remove)

    # -- networks ----------------------------------------------------------------------------------------------
    def create_network(self, spec: NetworkSpec) -> NetworkInfo:
        return self.network.create_network(spec)

    def remove_network(self, name: str, missing_ok: bool = False) -> None:
        self.network.remove_network(name, missing_ok)

    def networks(self, labels: dict[str, str] | None = None) -> list[NetworkInfo]:
        return self.network.list(labels)

    def prune_networks(self, labels: dict[str, str] | None = None) -> list[str]:
        return self.network.prune(labels)

    # -- volumes -----------------------------------------------------------------------------------------------
    @_seam("create volume")
    def create_volume(self, spec: VolumeSpec) -> VolumeInfo:
        return self.volume_service.create(spec)

    @_seam("remove volume")
    def remove_volume(self, name: str, missing_ok: bool = False) -> None:
        self.volume_service.remove(name, missing_ok)

    def volumes(self, labels: dict[str, str] | None = None) -> list[VolumeInfo]:
        return self.volume_service.list(labels)

    def prune_volumes(self, labels: dict[str, str] | None = None) -> list[str]:
        return self.volume_service.prune(labels)
