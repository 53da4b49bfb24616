"""dockyard's embedded container runtime.

Knows nothing of compose files, YAML, typer or rich: takes ``*Spec`` dataclasses, returns ``*Info``.
This module is THE public surface; ``compose`` imports nothing else from ``runtime``.

Names are loaded on first use (PEP 562): lean processes started as ``python -m runtime.<sub>`` (the monitor) import
this package too, and must not pay for the facade, networking or image code they never use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_SOURCES = {
    "runtime.api": ("Runtime",),
    "runtime.images.service": ("ImageInfo",),
    "runtime.images.transfer": ("PullProgress",),
    "runtime.build.request": ("BuildEvent", "BuildRequest"),
    "runtime.build.errors": ("BuildError",),
    "runtime.types": (
        "BlkioSpec", "ContainerInfo", "ContainerSpec", "FileSpec", "HealthcheckSpec", "HealthInfo", "LogLine", "LogSpec",
        "MountSpec",
        "NetworkAttachment", "NetworkInfo", "NetworkSpec", "PortInfo", "PortSpec", "ResourceSpec", "RestartSpec",
        "VolumeInfo", "VolumeSpec",
    ),
    "runtime.records": ("record",),
    "runtime.errors": (
        "ContainerError", "ContainerNotFoundError", "ContainerRuntimeError", "DigestMismatchError", "ImageError",
        "ImageNotFoundError", "InvalidReferenceError", "KernelError", "LayerError", "NetworkError", "RegistryError",
        "StateError", "VolumeError",
    ),
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "Runtime",
    "record",
    "ImageInfo",
    "PullProgress",
    "BuildEvent",
    "BuildRequest",
    "BuildError",
    "BlkioSpec",
    "ContainerInfo",
    "ContainerSpec",
    "FileSpec",
    "HealthcheckSpec",
    "HealthInfo",
    "LogLine",
    "LogSpec",
    "MountSpec",
    "NetworkAttachment",
    "NetworkInfo",
    "NetworkSpec",
    "PortInfo",
    "PortSpec",
    "ResourceSpec",
    "RestartSpec",
    "VolumeInfo",
    "VolumeSpec",
    "ContainerError",
    "ContainerNotFoundError",
    "ContainerRuntimeError",
    "DigestMismatchError",
    "ImageError",
    "ImageNotFoundError",
    "InvalidReferenceError",
    "KernelError",
    "LayerError",
    "NetworkError",
    "RegistryError",
    "StateError",
    "VolumeError",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs; never executed
    from runtime.api import Runtime
    from runtime.records import record
    from runtime.images.service import ImageInfo
    from runtime.images.transfer import PullProgress
    from runtime.build.errors import BuildError
    from runtime.build.request import BuildEvent, BuildRequest
    from runtime.errors import (ContainerError, ContainerNotFoundError, ContainerRuntimeError, DigestMismatchError,
                                ImageError, ImageNotFoundError, InvalidReferenceError, KernelError, LayerError,
                                NetworkError, RegistryError, StateError, VolumeError)
    from runtime.types import (BlkioSpec, ContainerInfo, ContainerSpec, FileSpec, HealthcheckSpec, HealthInfo, LogLine,
                               LogSpec, MountSpec,
                               NetworkAttachment, NetworkInfo, NetworkSpec, PortInfo, PortSpec, ResourceSpec,
                               RestartSpec, VolumeInfo, VolumeSpec)
