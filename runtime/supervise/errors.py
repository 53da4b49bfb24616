"""Errors of container supervision (restart policies, healthchecks, logs, the monitor).

They subclass ``runtime.errors.ContainerError`` so callers catching the runtime tree see them.
"""

from __future__ import annotations

from runtime.errors import ContainerError


class SuperviseError(ContainerError):
    """Base of supervision errors."""


class PolicyError(SuperviseError):
    """A restart policy, duration, size or healthcheck setting cannot be understood."""


class LogError(SuperviseError):
    """Writing or reading a container's log files failed."""


class MonitorError(SuperviseError):
    """Starting, contacting or adopting a monitor failed."""
