"""Label keys (Docker Compose's, so users' tooling keeps working), container names and the config hash."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PREFIX = "com.docker.compose"
PROJECT = f"{PREFIX}.project"
SERVICE = f"{PREFIX}.service"
CONTAINER_NUMBER = f"{PREFIX}.container-number"
ONEOFF = f"{PREFIX}.oneoff"
CONFIG_HASH = f"{PREFIX}.config-hash"
WORKING_DIR = f"{PREFIX}.project.working_dir"
CONFIG_FILES = f"{PREFIX}.project.config_files"
ENVIRONMENT_FILE = f"{PREFIX}.project.environment_file"
DEPENDS_ON = f"{PREFIX}.depends_on"
VERSION = f"{PREFIX}.version"
IMAGE = f"{PREFIX}.image"
NETWORK = f"{PREFIX}.network"
VOLUME = f"{PREFIX}.volume"
REPLACE = f"{PREFIX}.replace"

# Attributes that never trigger recreation (like docker compose's ServiceHash): how many containers run, how the
# image is obtained (a rebuilt or pulled image is detected by its id, not by the build config) and profiles.
HASH_EXCLUDED: tuple[tuple[str, ...], ...] = (
    ("deploy", "replicas"),
    ("scale",),
    ("build",),
    ("pull_policy",),
    ("profiles",),
)


def container_name(project: str, service: str, index: int, *, oneoff: bool = False) -> str:
    """``<project>-<service>-<n>`` like docker compose v2 (``<project>-<service>-run-<n>`` for one-offs)."""
    middle = f"{service}-run" if oneoff else service
    return f"{project}-{middle}-{index}"


def _without(data: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = dict(data)
    head, rest = path[0], path[1:]
    if head not in out:
        return out
    if not rest:
        del out[head]
    elif isinstance(out[head], Mapping):
        out[head] = _without(out[head], rest)
    return out


def config_hash(service: Mapping[str, Any]) -> str:
    """sha256 of the service's canonical JSON: stable across key order, blind to ``HASH_EXCLUDED``."""
    data = dict(service)
    for path in HASH_EXCLUDED:
        data = _without(data, path)
    import hashlib  # here: reading labels (ps) needs no hashing

    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def service_labels(
    project: str, service: str, number: int, *, hash_: str, oneoff: bool = False, depends_on: str = ""
) -> dict[str, str]:
    """The labels dockyard puts on each container it creates."""
    labels = {
        PROJECT: project,
        SERVICE: service,
        CONTAINER_NUMBER: str(number),
        ONEOFF: "True" if oneoff else "False",
        CONFIG_HASH: hash_,
    }
    if depends_on:
        labels[DEPENDS_ON] = depends_on
    return labels


def project_filter(project: str, service: str | None = None) -> dict[str, str]:
    """The label selector for a project's (or one service's) containers."""
    labels = {PROJECT: project}
    if service is not None:
        labels[SERVICE] = service
    return labels
