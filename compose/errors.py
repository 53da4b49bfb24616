"""The ComposeError tree.

Every error names where it is: a ``file:line:column`` mark when known, the YAML tree path (``services.web.ports[0]``)
or a service name, what is wrong, and how to fix it.  ``str(err)`` is the one line the CLI prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # compose.loader.document loads when an error needs it: `ps` and `container run` never do
    from compose.loader.document import Mark, Marks, TreePath


class ComposeError(Exception):
    """Base of every error the compose package raises."""

    stage = "compose"

    def __init__(
        self,
        message: str,
        *,
        path: TreePath | str | None = None,
        mark: Mark | None = None,
        hint: str | None = None,
        file: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if isinstance(path, tuple):
            from compose.loader.document import path_str

            path = path_str(path)
        self.path = path
        self.mark = mark
        self.hint = hint
        self.file = file

    @classmethod
    def at(cls, marks: Marks, path: TreePath, message: str, *, hint: str | None = None) -> "ComposeError":
        """An error located through a marks table."""
        from compose.loader.document import locate

        return cls(message, path=path, mark=locate(marks, path), hint=hint)

    def __str__(self) -> str:
        where = str(self.mark) if self.mark else (self.file or "")
        parts = [p for p in (where, self.path) if p]
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.hint:
            text += f": {self.hint}"
        return text


class ParseError(ComposeError):
    """The file is not readable YAML (or .env), or breaks a YAML rule compose enforces."""

    stage = "parse"


class InterpolationError(ComposeError):
    """A ``${VAR}`` expression is invalid or a required variable is missing."""

    stage = "interpolation"


class SchemaError(ComposeError):
    """The merged document does not match the Compose schema."""

    stage = "schema"


class LoadError(ComposeError):
    """Files, includes, extends, env files, profiles: something named cannot be found or loops."""

    stage = "load"


class ExtendsError(LoadError):
    """An ``extends`` entry is wrong or loops."""

    stage = "extends"


class ConsistencyError(ComposeError):
    """The project is valid YAML and schema but refers to things that do not exist, or loops."""

    stage = "consistency"


class ProjectNotFoundError(LoadError):
    """No compose file was given or found."""


class ExecuteError(ComposeError):
    """A step of the plan failed (which step, which object, why)."""

    stage = "execute"


class DependencyError(ExecuteError):
    """A depends_on condition failed or timed out."""

    stage = "dependency"


class LockError(ComposeError):
    """Another dockyard command holds the project's lock."""

    stage = "lock"


class ImageBuildError(ComposeError):
    """A service's image could not be built (which service, which step, the step's output and exit code)."""

    stage = "build"
