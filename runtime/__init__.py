"""dockyard's embedded container runtime.

Knows nothing of compose files, YAML, typer or rich: takes ``*Spec`` dataclasses, returns ``*Info``.
This module is THE public surface; ``compose`` imports nothing else from ``runtime``.
"""

from runtime.types import (
    ContainerInfo,
    ContainerSpec,
    HealthcheckSpec,
    HealthInfo,
    LogLine,
    LogSpec,
    MountSpec,
    NetworkAttachment,
    NetworkInfo,
    NetworkSpec,
    PortInfo,
    PortSpec,
    ResourceSpec,
    RestartSpec,
    VolumeInfo,
    VolumeSpec,
)
from runtime.errors import (
    ContainerError,
    ContainerNotFoundError,
    ContainerRuntimeError,
    DigestMismatchError,
    ImageError,
    ImageNotFoundError,
    KernelError,
    LayerError,
    NetworkError,
    RegistryError,
    StateError,
    VolumeError,
)

__all__ = [
    "ContainerInfo",
    "ContainerSpec",
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
    "KernelError",
    "LayerError",
    "NetworkError",
    "RegistryError",
    "StateError",
    "VolumeError",
]
