"""Which compose files, which project directory, which project name (Docker Compose v2 / compose-go rules).

* ``-f`` values replace discovery (``-`` is stdin); otherwise ``COMPOSE_FILE`` (split on ``COMPOSE_PATH_SEPARATOR``,
  default ``os.pathsep``, relative to the discovery root); otherwise the first of ``compose.yaml``, ``compose.yml``,
  ``docker-compose.yml``, ``docker-compose.yaml`` in the discovery root or its nearest parent that has one, plus the
  first of ``compose.override.yml``, ``compose.override.yaml``, ``docker-compose.override.yml``,
  ``docker-compose.override.yaml`` in that same directory (compose-go takes the first override found, whatever
  the base file's family).  The discovery root is ``--project-directory`` when given, else the working dir.
* project directory: ``--project-directory``, else the directory of the first file that is not stdin, else the
  working dir.
* project name: ``-p``, then ``COMPOSE_PROJECT_NAME``, then the files' top-level ``name:``, then the project
  directory's base name.  ``-p`` and ``COMPOSE_PROJECT_NAME`` must already be valid; ``name:`` and the directory
  name are normalised (lower case, only ``[a-z0-9_-]``, leading ``_``/``-`` dropped) as compose-go does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Mapping

from compose.errors import LoadError, ProjectNotFoundError
from compose.loader.options import LoadOptions

__all__ = [
    "COMPOSE_FILE_NAMES",
    "OVERRIDE_FILE_NAMES",
    "find_compose_files",
    "resolve_files",
    "project_directory",
    "normalize_project_name",
    "project_name",
]

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
_NOT_NAME_CHARS = re.compile(r"[^a-z0-9_-]")
_NAME_HINT = "use only lower-case letters, digits, '_' and '-', starting with a letter or digit"


def _absolute(base: Path, name: str | Path) -> Path:
    """``name`` against ``base``, cleaned like Go's filepath.Abs (``..`` folded, symlinks kept)."""
    return Path(os.path.abspath(Path(base) / name))


def _present(directory: Path, names: tuple[str, ...]) -> list[Path]:
    return [directory / name for name in names if (directory / name).is_file()]


def find_compose_files(
    working_dir: Path, environ: Mapping[str, str], *, warn: Callable[[str], None] | None = None
) -> list[Path]:
    """The files discovery picks (COMPOSE_FILE, else standard names upwards); ``[]`` when there are none.

    ``warn`` receives Docker Compose's warning when several standard names sit in the same directory.
    """
    working_dir = _absolute(Path.cwd(), working_dir)
    listed = environ.get("COMPOSE_FILE")
    if listed:
        separator = environ.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        return [_absolute(working_dir, part) for part in listed.split(separator) if part]
    for directory in (working_dir, *working_dir.parents):
        candidates = _present(directory, COMPOSE_FILE_NAMES)
        if not candidates:
            continue
        overrides = _present(directory, OVERRIDE_FILE_NAMES)
        for found in (candidates, overrides):
            if len(found) > 1 and warn is not None:
                names = ", ".join(str(path) for path in found)
                warn(f"Found multiple config files with supported names: {names}; using {found[0]}")
        return [candidates[0], *overrides[:1]]
    return []


def resolve_files(options: LoadOptions) -> list[Path | str]:
    """The compose files to load, in order: absolute paths, or ``"-"`` for stdin.

    Raises ``LoadError`` naming a file that does not exist, ``ProjectNotFoundError`` when discovery finds nothing.
    """
    if options.files:
        return [_checked(options.working_dir, name, "check the -f path") for name in options.files]
    root = options.working_dir
    if options.project_directory is not None:  # discovery starts there, as in Docker Compose
        root = _absolute(options.working_dir, options.project_directory)
    found = find_compose_files(root, options.environ)
    if not found:
        raise ProjectNotFoundError(
            f"no configuration file provided: no {' / '.join(COMPOSE_FILE_NAMES)} in {root} or its parents",
            hint="create compose.yaml, or name the file with -f or COMPOSE_FILE",
        )
    return [_checked(root, path, "check COMPOSE_FILE") for path in found]


def _checked(working_dir: Path, name: str | Path, hint: str) -> Path | str:
    if name == "-":
        return "-"
    path = _absolute(working_dir, name)
    if not path.exists():
        raise LoadError(f"compose file {path} not found", hint=hint)
    if not path.is_file():
        raise LoadError(f"compose file {path} is not a file", hint=hint)
    return path


def project_directory(options: LoadOptions, files: list[Path | str]) -> Path:
    """``--project-directory``, else the first non-stdin file's directory, else the working dir (absolute)."""
    if options.project_directory is not None:
        return _absolute(options.working_dir, options.project_directory)
    for file in files:
        if file != "-":
            return _absolute(options.working_dir, file).parent
    return _absolute(Path.cwd(), options.working_dir)


def normalize_project_name(name: str) -> str:
    """Docker Compose's normalisation: lower case, only ``[a-z0-9_-]`` kept, leading ``_`` and ``-`` dropped."""
    return _NOT_NAME_CHARS.sub("", name.lower()).lstrip("_-")


def _explicit(name: str, source: str) -> str:
    if normalize_project_name(name) != name:
        raise LoadError(
            f"invalid project name {name!r} (from {source}): it must consist only of lower-case letters, digits, "
            "'_' and '-', and start with a letter or digit",
            hint=f"try {normalize_project_name(name) or 'myproject'!r}",
        )
    return name


def project_name(
    options: LoadOptions, first_doc_name: str | None, project_dir: Path, environ: Mapping[str, str]
) -> str:
    """The project name by Docker Compose's precedence.

    ``first_doc_name`` is the top-level ``name:`` of the files (already interpolated; when several files set it,
    the last one wins, as in compose-go).  ``environ`` should include values from the env files.
    """
    if options.project_name:
        return _explicit(options.project_name, "-p")
    from_env = environ.get("COMPOSE_PROJECT_NAME")
    if from_env:
        return _explicit(from_env, "COMPOSE_PROJECT_NAME")
    if first_doc_name and (normalized := normalize_project_name(first_doc_name)):
        return normalized
    from_dir = normalize_project_name(Path(project_dir).name)
    if not from_dir:
        raise LoadError(
            f"project name must not be empty: the directory name {Path(project_dir).name!r} gives none",
            hint="set name: in the compose file, or pass -p NAME",
        )
    return from_dir
