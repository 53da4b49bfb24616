"""``Builder``: a BuildRequest in, a stored and tagged image out.

Workflow: read the Dockerfile, plan it, pull the base images it names (missing ones, or all with ``pull``),
plan again with their configs (ENV/WORKDIR inherited, cache keys pinned to their digests), refuse a plan with
problems, execute it under the store's shared GC lock (so no prune frees a layer mid-build), then store the
image and tag it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

from runtime.build.errors import BuildError
from runtime.build.executor import Executor
from runtime.build.hashes import ContextHashes
from runtime.build.image import store_image
from runtime.build.request import BuildEvent, BuildRequest, ProgressFn
from runtime.build.runstep import RunOptions
from runtime.errors import ImageError
from runtime.images.buildplan import BaseImage, BuildPlan, plan_build
from runtime.images.platform import host_platform, parse_platform
from runtime.images.reference import parse_reference
from runtime.images.service import ImageInfo, ImageService


class Builder:
    """Builds images into ``images``' store; ``root`` holds the build cache (``root/buildcache``)."""

    def __init__(self, images: ImageService, root: Path | None = None) -> None:
        self.images = images
        self.root = Path(root) if root is not None else images.store.root

    def plan(self, request: BuildRequest, base_images: dict[str, BaseImage] | None = None) -> BuildPlan:
        """The build plan (``build --print``); bases already in the local store are taken into account."""
        text, path = read_dockerfile(request)
        platform = check_platform(request.platform)
        hashes = ContextHashes(self.root, request.context_dir)
        plan = self._plan(request, text, path, platform, base_images or {}, hashes)
        if base_images is None:
            local = {ref: self._base(ref) for ref in plan.base_images() if self.images.has(ref)}
            if local:
                plan = self._plan(request, text, path, platform, local, hashes)
        hashes.save()
        return plan

    def build(self, request: BuildRequest, progress: ProgressFn | None = None) -> ImageInfo:
        """Build, store and tag the image. Raises BuildError (or another ImageError) and stores nothing then."""
        emit = progress or (lambda event: None)
        for tag in request.tags:
            parse_reference(tag)
        options = RunOptions(network_mode(request.network), tuple(request.extra_hosts), request.shm_size)
        text, path = read_dockerfile(request)
        platform = check_platform(request.platform)
        hashes = ContextHashes(self.root, request.context_dir)
        plan = self._plan(request, text, path, platform, {}, hashes)
        bases = {ref: self._fetch(ref, request.pull, emit) for ref in plan.base_images()}
        if bases:
            plan = self._plan(request, text, path, platform, bases, hashes)
        hashes.save()
        if plan.problems():
            raise BuildError("cannot build:\n" + "\n".join(f"  {p}" for p in plan.problems()))
        options = RunOptions(options.network, options.extra_hosts, options.shm_size, plan.dockerfile)
        executor = Executor(self.images, self.root, no_cache=request.no_cache, options=options, progress=emit)
        with self.images.store.gc_lock(shared=True):
            result = executor.execute(plan)
            info = store_image(self.images, plan, result, request.labels, request.tags)
        emit(BuildEvent("image", text=info.id))
        return info

    def _plan(self, request: BuildRequest, text: str, path: Path | None, platform: str,
              bases: dict[str, BaseImage], hashes: MutableMapping[str, str]) -> BuildPlan:
        return plan_build(text, context_dir=request.context_dir, build_args=dict(request.build_args),
                          target=request.target, platform=platform,
                          additional_contexts=dict(request.additional_contexts), dockerfile_path=path,
                          base_images=bases, file_hashes=hashes)

    def _base(self, ref: str) -> BaseImage:
        info = self.images.get(ref)
        return BaseImage(self.images.image_config(info.id), info.manifest_digest)

    def _fetch(self, ref: str, pull: bool, emit: ProgressFn) -> BaseImage:
        if pull or not self.images.has(ref):
            emit(BuildEvent("pull", text=ref))
            try:
                self.images.pull(ref)
            except ImageError as exc:
                raise BuildError(f"FROM {ref}: cannot get the base image: {exc}") from exc
        return self._base(ref)


def read_dockerfile(request: BuildRequest) -> tuple[str, Path | None]:
    """(Dockerfile text, its path or None for inline text); a relative path is relative to the context."""
    if request.dockerfile_inline is not None:
        return request.dockerfile_inline, None
    path = Path(request.dockerfile or "Dockerfile")
    if not path.is_absolute():
        path = Path(request.context_dir) / path
    try:
        return path.read_text(encoding="utf-8"), path
    except FileNotFoundError:
        raise BuildError(f"Dockerfile {path} not found; create it or point build.dockerfile at it") from None
    except OSError as exc:
        raise BuildError(f"read Dockerfile {path}: {exc.strerror}") from exc


def check_platform(requested: str | None) -> str:
    host = host_platform()
    if not requested:
        return str(host)
    wanted = parse_platform(requested)
    if (wanted.os, wanted.architecture) != (host.os, host.architecture):
        raise BuildError(f"platform {requested}: dockyard builds for the host platform ({host}) only; "
                         f"remove the platform or set it to {host}")
    return str(wanted)


def network_mode(network: str | None) -> str:
    if network in (None, "", "none", "default"):
        return "none"
    if network == "host":
        return "host"
    raise BuildError(f"build network {network!r} is not supported; use none (the default) or host")
