"""Dockerfile builds on dockyard's own runtime: ``Builder(images, root).build(BuildRequest(...)) -> ImageInfo``."""

from runtime.build.builder import Builder
from runtime.build.errors import BuildError
from runtime.build.request import BuildEvent, BuildRequest, ProgressFn

__all__ = ["BuildError", "BuildEvent", "BuildRequest", "Builder", "ProgressFn"]
