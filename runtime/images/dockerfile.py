"""Dockerfile parser: text -> typed, frozen instructions with their source lines.

Follows BuildKit's reader: parser directives (``# syntax=``, ``# escape=``, ``# check=``) only before the
first other line; ``#`` comment lines (also inside continuations); the escape character (``\\`` or a backtick)
at line end continues a line; empty continuation lines are skipped; heredocs (``<<EOF``, ``<<-EOF``, quoted
delimiters, several per line) for RUN, COPY and ADD; leading ``--flag[=value]`` options; JSON (exec) or shell
form. Variables are NOT expanded here (the planner does that with the right scope). Pure: no I/O.
"""

from __future__ import annotations

import json
import re

from runtime.images.buildvars import SubstitutionError, expand_word, split_words
from runtime.images.dockerfile_instructions import (  # noqa: F401  (re-exported: the parser's result types)
    DockerfileError, Heredoc, Instruction, From, Run, Cmd, Entrypoint, Shell, Copy, Add, Env, Label, Arg, Expose,
    Volume, User, Workdir, Stopsignal, Maintainer, Healthcheck, Onbuild, Dockerfile,
)

DIRECTIVES = ("syntax", "escape", "check")
_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC_RE = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_HEREDOC_KEYWORDS = ("RUN", "COPY", "ADD")
_FLAGS: dict[str, tuple[str, ...]] = {
    "FROM": ("platform",),
    "RUN": ("mount", "network", "security", "device"),
    "COPY": ("from", "chown", "chmod", "link", "parents", "exclude"),
    "ADD": ("chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"),
    "HEALTHCHECK": ("interval", "timeout", "start-period", "start-interval", "retries"),
}
_BOOL_FLAGS = ("link", "parents", "keep-git-dir", "unpack")


def parse_dockerfile(text: str, *, path: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile text; raise DockerfileError naming the line on any syntax error."""
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.lstrip("\ufeff").split("\n")]
    directives = _read_directives(lines, path)
    escape = dict(directives).get("escape", "\\")
    cont_re = re.compile(re.escape(escape) + r"[ \t]*$")
    out: list[Instruction] = []
    i = 0
    while i < len(lines):
        if _skippable(lines[i]):
            i += 1
            continue
        first = i + 1
        logical, i = _join(lines, i, cont_re)
        parts = logical.strip().split(None, 1)
        keyword = parts[0].upper()
        rest = parts[1].strip() if len(parts) > 1 else ""
        heredocs: tuple[Heredoc, ...] = ()
        if keyword in _HEREDOC_KEYWORDS:
            heredocs, i = _read_heredocs(rest, lines, i, escape, first, path)
        out.append(_instruction(keyword, rest, first, i, heredocs, escape, path))
    return Dockerfile(tuple(out), directives, escape, path)


def _skippable(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _read_directives(lines: list[str], path: str) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        match = _DIRECTIVE_RE.match(line)
        if not match or match.group(1).lower() not in DIRECTIVES:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name in seen:
            raise DockerfileError(number, f"only one {name} parser directive can be used",
                                  "remove the repeated line", path=path)
        if name == "escape" and value not in ("\\", "`"):
            raise DockerfileError(number, f"invalid escape token {value!r}", "use \\ or `", path=path)
        seen[name] = value
    return tuple(seen.items())


def _join(lines: list[str], i: int, cont_re: re.Pattern[str]) -> tuple[str, int]:
    """Join one logical line starting at ``lines[i]``; return it and the index after it."""
    text, cont = _trim_cont(lines[i].lstrip(), cont_re)
    i += 1
    while cont and i < len(lines):
        raw = lines[i]
        i += 1
        if _skippable(raw):
            continue
        part, cont = _trim_cont(raw, cont_re)
        text += part
    return text, i


def _trim_cont(line: str, cont_re: re.Pattern[str]) -> tuple[str, bool]:
    match = cont_re.search(line)
    if match:
        return line[:match.start()], True
    return line, False


def _read_heredocs(rest: str, lines: list[str], i: int, escape: str, first: int,
                   path: str) -> tuple[tuple[Heredoc, ...], int]:
    docs: list[Heredoc] = []
    for word in split_words(rest, escape):
        match = _HEREDOC_RE.match(word)
        if not match or not match.group(3):
            continue
        raw_name = match.group(3)
        try:
            name = expand_word(raw_name, {}, escape)
        except SubstitutionError as exc:
            raise DockerfileError(first, f"bad heredoc delimiter {raw_name!r}: {exc}", path=path) from exc
        if not name:
            continue
        chomp = match.group(2) == "-"
        body: list[str] = []
        while True:
            if i >= len(lines):
                raise DockerfileError(first, f"unterminated heredoc <<{name}",
                                      f"end its content with a line containing only {name}", path=path)
            line = lines[i].lstrip("\t") if chomp else lines[i]
            i += 1
            if line == name:
                break
            body.append(line + "\n")
        quoted = any(q in raw_name for q in "'\"")
        fd = int(match.group(1)) if match.group(1) else None
        docs.append(Heredoc(name=name, content="".join(body), expand=not quoted, chomp=chomp, fd=fd))
    return tuple(docs), i


def _read_token(rest: str, pos: int) -> tuple[str, int]:
    """One whitespace-delimited token from ``pos`` with quotes removed (for flags)."""
    out: list[str] = []
    quote = ""
    while pos < len(rest):
        ch = rest[pos]
        if quote:
            if ch == quote:
                quote = ""
            else:
                out.append(ch)
        elif ch.isspace():
            break
        elif ch in "'\"":
            quote = ch
        else:
            out.append(ch)
        pos += 1
    return "".join(out), pos


def _extract_flags(keyword: str, rest: str, line: int,
                   path: str) -> tuple[tuple[tuple[str, str | None], ...], str]:
    flags: list[tuple[str, str | None]] = []
    pos = 0
    allowed = _FLAGS.get(keyword, ())
    while True:
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
        if not rest.startswith("--", pos):
            break
        token, pos = _read_token(rest, pos)
        if token == "--":
            break
        name, eq, value = token[2:].partition("=")
        if name not in allowed:
            hint = f"{keyword} accepts " + ", ".join(f"--{f}" for f in allowed) if allowed else \
                f"{keyword} takes no flags"
            raise DockerfileError(line, f"unknown flag --{name} for {keyword}", hint, path=path)
        if not eq and name not in _BOOL_FLAGS:
            raise DockerfileError(line, f"{keyword} flag --{name} needs a value", f"write --{name}=VALUE",
                                  path=path)
        flags.append((name, value if eq else None))
    return tuple(flags), rest[pos:].strip()


def _maybe_json(rest: str) -> tuple[tuple[str, ...], bool]:
    text = rest.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value), True
    return ((text,) if text else ()), False


def _instruction(keyword: str, rest: str, line: int, end: int, heredocs: tuple[Heredoc, ...],
                 escape: str, path: str) -> Instruction:
    builder = _BUILDERS.get(keyword)
    if builder is None:
        raise DockerfileError(line, f"unknown instruction: {keyword}",
                              "check the spelling (instructions are FROM, RUN, COPY, ...)", path=path)
    flags, args = _extract_flags(keyword, rest, line, path)
    if not args and keyword not in ("CMD", "ENTRYPOINT"):
        raise DockerfileError(line, f"{keyword} requires at least one argument", path=path)
    common = dict(keyword=keyword, line=line, end_line=end, text=rest, flags=flags, heredocs=heredocs)
    return builder(args, common, escape, path)


def _fail(common: dict, message: str, fix: str, path: str) -> DockerfileError:
    return DockerfileError(common["line"], message, fix, path=path)


def _build_from(args: str, c: dict, escape: str, path: str) -> Instruction:
    words = args.split()
    if len(words) == 3 and words[1].lower() == "as":
        return From(image=words[0], stage_name=words[2].lower(), **c)
    if len(words) != 1:
        raise _fail(c, "FROM requires either one or three arguments", "write FROM IMAGE [AS NAME]", path)
    return From(image=words[0], stage_name=None, **c)


def _build_exec(cls: type) -> object:
    def build(args: str, c: dict, escape: str, path: str) -> Instruction:
        command, exec_form = _maybe_json(args)
        return cls(command=command, exec_form=exec_form, **c)
    return build


def _build_shell(args: str, c: dict, escape: str, path: str) -> Instruction:
    command, exec_form = _maybe_json(args)
    if not exec_form or not command:
        raise _fail(c, "SHELL requires the arguments to be in JSON form", 'write SHELL ["/bin/sh", "-c"]', path)
    return Shell(command=command, **c)


def _build_copy(cls: type) -> object:
    def build(args: str, c: dict, escape: str, path: str) -> Instruction:
        words, exec_form = _maybe_json(args)
        if not exec_form:
            words = tuple(split_words(args, escape))
        if len(words) < 2:
            raise _fail(c, f"{c['keyword']} requires at least two arguments, but only one was provided",
                        "name the source(s) and a destination", path)
        return cls(sources=tuple(words[:-1]), dest=words[-1], **c)
    return build


def _name_values(args: str, c: dict, escape: str, path: str) -> tuple[tuple[str, str], ...]:
    words = split_words(args, escape)
    if "=" not in words[0]:
        key, _, value = args.strip().partition(" ")
        if not value.strip():
            raise _fail(c, f"{c['keyword']} {key} has no value", f"write {c['keyword']} {key}=VALUE", path)
        return ((key, value.strip()),)
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise _fail(c, f"syntax error - can't find = in {word!r}", "must be of the form: name=value", path)
        pairs.append((key, value))
    return tuple(pairs)


def _build_env(args: str, c: dict, escape: str, path: str) -> Instruction:
    return Env(pairs=_name_values(args, c, escape, path), **c)


def _build_label(args: str, c: dict, escape: str, path: str) -> Instruction:
    return Label(pairs=_name_values(args, c, escape, path), **c)


def _build_arg(args: str, c: dict, escape: str, path: str) -> Instruction:
    pairs: list[tuple[str, str | None]] = []
    for word in split_words(args, escape):
        key, eq, value = word.partition("=")
        if not key:
            raise _fail(c, f"ARG names can not be blank: {word!r}", "write ARG NAME[=DEFAULT]", path)
        pairs.append((key, value if eq else None))
    return Arg(args=tuple(pairs), **c)


def _build_words(cls: type, field: str, json_ok: bool) -> object:
    def build(args: str, c: dict, escape: str, path: str) -> Instruction:
        words, exec_form = _maybe_json(args) if json_ok else ((), False)
        if not exec_form:
            words = tuple(split_words(args, escape))
        return cls(**{field: tuple(words)}, **c)
    return build


def _build_string(cls: type, field: str) -> object:
    def build(args: str, c: dict, escape: str, path: str) -> Instruction:
        return cls(**{field: args.strip()}, **c)
    return build


def _build_healthcheck(args: str, c: dict, escape: str, path: str) -> Instruction:
    kind, _, rest = args.strip().partition(" ")
    if kind.upper() == "NONE":
        if rest.strip() or c["flags"]:
            raise _fail(c, "HEALTHCHECK NONE takes no other arguments", "write just HEALTHCHECK NONE", path)
        return Healthcheck(command=None, exec_form=False, **c)
    if kind.upper() != "CMD" or not rest.strip():
        raise _fail(c, f"unknown type {kind!r} in HEALTHCHECK", "write HEALTHCHECK [OPTIONS] CMD command", path)
    command, exec_form = _maybe_json(rest)
    return Healthcheck(command=command, exec_form=exec_form, **c)


def _build_onbuild(args: str, c: dict, escape: str, path: str) -> Instruction:
    keyword, _, rest = args.strip().partition(" ")
    keyword = keyword.upper()
    if keyword in ("ONBUILD", "FROM", "MAINTAINER"):
        raise _fail(c, f"{keyword} isn't allowed as an ONBUILD trigger", "move it out of ONBUILD", path)
    trigger = _instruction(keyword, rest.strip(), c["line"], c["end_line"], (), escape, path)
    return Onbuild(trigger=trigger, expression=f"{keyword} {rest.strip()}", **c)


_BUILDERS = {
    "FROM": _build_from,
    "RUN": _build_exec(Run),
    "CMD": _build_exec(Cmd),
    "ENTRYPOINT": _build_exec(Entrypoint),
    "SHELL": _build_shell,
    "COPY": _build_copy(Copy),
    "ADD": _build_copy(Add),
    "ENV": _build_env,
    "LABEL": _build_label,
    "ARG": _build_arg,
    "EXPOSE": _build_words(Expose, "ports", json_ok=False),
    "VOLUME": _build_words(Volume, "paths", json_ok=True),
    "USER": _build_string(User, "user"),
    "WORKDIR": _build_string(Workdir, "path"),
    "STOPSIGNAL": _build_string(Stopsignal, "signal"),
    "MAINTAINER": _build_string(Maintainer, "name"),
    "HEALTHCHECK": _build_healthcheck,
    "ONBUILD": _build_onbuild,
}
