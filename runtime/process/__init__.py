"""Starting container processes: ``launcher`` (parent side) and ``init`` (child side)."""

from runtime.process.launcher import ContainerProcess, ContainerStartError, run, start

__all__ = ["ContainerProcess", "ContainerStartError", "run", "start"]
