"""The runtime's error tree. Messages name the step and the object ("mount /proc in 3f2a..: EPERM")."""

from __future__ import annotations

import errno as _errno
import os


class ContainerRuntimeError(Exception):
    """Base of every error the runtime raises (named so as not to shadow the builtin RuntimeError)."""


class KernelError(ContainerRuntimeError):
    """A system call failed: which operation, on what, with which errno."""

    def __init__(self, op: str, err: int, path: str | None = None, detail: str | None = None) -> None:
        self.op = op
        self.errno = err
        self.path = path
        self.detail = detail
        name = _errno.errorcode.get(err, str(err))
        where = f" {path}" if path else ""
        extra = f" ({detail})" if detail else ""
        super().__init__(f"{op}{where}: {name} ({os.strerror(err)}){extra}")


class ImageError(ContainerRuntimeError):
    """Image references, registries, the content store, layers."""


class InvalidReferenceError(ImageError):
    """An image reference cannot be parsed."""


class RegistryError(ImageError):
    """A registry answered wrongly, refused, or could not be reached."""


class DigestMismatchError(ImageError):
    """Content does not match the digest (or size) it was announced with."""


class LayerError(ImageError):
    """A layer archive is unsafe or malformed."""


class ImageNotFoundError(ImageError):
    """No such image in the local store."""


class ContainerError(ContainerRuntimeError):
    """Creating, starting, stopping or removing a container failed."""


class ContainerNotFoundError(ContainerError):
    """No such container."""


class StateError(ContainerError):
    """The container's state does not allow the operation (e.g. start a running container)."""


class NetworkError(ContainerRuntimeError):
    """Bridges, addresses, DNS, published ports."""


class VolumeError(ContainerRuntimeError):
    """Named and anonymous volumes."""
