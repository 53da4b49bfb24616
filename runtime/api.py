"""The Runtime facade: the one object compose talks to. Translates lower errors at this seam.

CONTRACT (being implemented; every method below is part of the public surface):

    rt = Runtime(root=None, run=None)          # DOCKYARD_ROOT / DOCKYARD_RUN, defaults /var/lib/dockyard, /run/dockyard

    images
      rt.pull_image(ref, platform=None, progress=None) -> ImageInfo
      rt.has_image(ref) -> bool
      rt.image_config(ref) -> dict             # OCI image config ("config" section: Env, Cmd, Entrypoint, ...)
      rt.images -> ImageService                # list/inspect/remove/prune/load/save/import/push

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
"""

from __future__ import annotations
