"""Typed Dockerfile instructions (frozen, with their source lines) and the parse error.

Values are kept as written (quotes and ``$VAR`` intact); the build planner substitutes them in the right scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.errors import ImageError


class DockerfileError(ImageError):
    """A Dockerfile cannot be parsed or planned: ``Dockerfile:LINE: message: fix``."""

    def __init__(self, line: int, message: str, fix: str = "", *, path: str = "Dockerfile") -> None:
        self.line = line
        self.message = message
        self.fix = fix
        self.path = path
        super().__init__(f"{path}:{line}: {message}" + (f": {fix}" if fix else ""))


@dataclass(frozen=True, kw_only=True)
class Heredoc:
    """One ``<<NAME`` body. ``expand`` is False when the delimiter was quoted; ``chomp`` for ``<<-``."""

    name: str
    content: str
    expand: bool
    chomp: bool = False
    fd: int | None = None


@dataclass(frozen=True, kw_only=True)
class Instruction:
    """Common part: keyword (upper case), first and last source line, raw argument text, flags, heredocs."""

    keyword: str
    line: int
    end_line: int
    text: str
    flags: tuple[tuple[str, str | None], ...] = ()
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str, default: str | None = None) -> str | None:
        values = [v for k, v in self.flags if k == name]
        return values[-1] if values else default

    def flag_values(self, name: str) -> tuple[str, ...]:
        return tuple(v for k, v in self.flags if k == name and v is not None)

    def has_flag(self, name: str) -> bool:
        return any(k == name for k, _ in self.flags)

    def bool_flag(self, name: str) -> bool:
        if not self.has_flag(name):
            return False
        return (self.flag(name) or "true").lower() in ("", "1", "true")

    @property
    def original(self) -> str:
        return f"{self.keyword} {self.text}".rstrip()


@dataclass(frozen=True, kw_only=True)
class From(Instruction):
    image: str
    stage_name: str | None


@dataclass(frozen=True, kw_only=True)
class Run(Instruction):
    command: tuple[str, ...]
    exec_form: bool


@dataclass(frozen=True, kw_only=True)
class Cmd(Instruction):
    command: tuple[str, ...]
    exec_form: bool


@dataclass(frozen=True, kw_only=True)
class Entrypoint(Instruction):
    command: tuple[str, ...]
    exec_form: bool


@dataclass(frozen=True, kw_only=True)
class Shell(Instruction):
    command: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Copy(Instruction):
    sources: tuple[str, ...]
    dest: str


@dataclass(frozen=True, kw_only=True)
class Add(Copy):
    pass


@dataclass(frozen=True, kw_only=True)
class Env(Instruction):
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class Label(Instruction):
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class Arg(Instruction):
    args: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, kw_only=True)
class Expose(Instruction):
    ports: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Volume(Instruction):
    paths: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class User(Instruction):
    user: str


@dataclass(frozen=True, kw_only=True)
class Workdir(Instruction):
    path: str


@dataclass(frozen=True, kw_only=True)
class Stopsignal(Instruction):
    signal: str


@dataclass(frozen=True, kw_only=True)
class Maintainer(Instruction):
    name: str


@dataclass(frozen=True, kw_only=True)
class Healthcheck(Instruction):
    command: tuple[str, ...] | None  # None for HEALTHCHECK NONE
    exec_form: bool


@dataclass(frozen=True, kw_only=True)
class Onbuild(Instruction):
    trigger: Instruction
    expression: str


@dataclass(frozen=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    directives: tuple[tuple[str, str], ...] = ()
    escape: str = "\\"
    path: str = "Dockerfile"

    @property
    def syntax(self) -> str | None:
        return dict(self.directives).get("syntax")
