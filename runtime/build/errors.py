"""Errors of the build executor (a subtree of ImageError, so callers that handle image errors see them)."""

from __future__ import annotations

from runtime.errors import ImageError


class BuildError(ImageError):
    """A build failed. ``line``/``command``/``exit_code``/``output`` are set when a step failed."""

    def __init__(self, message: str, *, line: int | None = None, command: str = "",
                 exit_code: int | None = None, output: tuple[str, ...] = ()) -> None:
        self.line = line
        self.command = command
        self.exit_code = exit_code
        self.output = output
        super().__init__(message)


def step_failed(dockerfile: str, line: int, command: str, exit_code: int, output: tuple[str, ...]) -> BuildError:
    """``Dockerfile:12: RUN make: exit code 2`` followed by the last lines the step printed."""
    tail = "\n".join(f"  | {text}" for text in output)
    message = (f"{dockerfile}:{line}: {command}: exit code {exit_code}"
               + (f"; last output:\n{tail}" if tail else " (no output)")
               + "\nfix the command (or the files it needs) and build again")
    return BuildError(message, line=line, command=command, exit_code=exit_code, output=output)
