"""COPY and ADD planning: where each source comes from, its content digest, the destination, the cache key.

Sources come from the build context (wildcards expanded, .dockerignore honoured), a named additional
context, another stage (``--from=name|index``), an image (``--from=ref``), a heredoc (``COPY <<EOF /dst``), or
for ADD a remote URL (marked: building it offline fails with a clear error). The destination is resolved
against WORKDIR; several sources need a directory destination ending in ``/``.
"""

from __future__ import annotations

import hashlib

from runtime.images import dockerfile as df
from runtime.images.buildcontext import BuildContext, BuildContextError, clean_source
from runtime.images.buildsteps import CopySource, StageBuilder
from runtime.images.buildvars import expand_text
from runtime.images.dockerignore import IgnoreMatcher, compile_patterns, read_patterns

_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")


def is_remote(source: str) -> bool:
    return source.startswith(_REMOTE) or ("://" in source and source.endswith(".git"))


def offline_message(source: str) -> str:
    return (f"ADD {source}: remote sources need network access and dockyard builds offline; download it into "
            f"the build context and COPY it instead")


def _heredoc(raw: str, docs: dict[str, df.Heredoc]) -> df.Heredoc | None:
    if "<<" not in raw:
        return None
    name = raw.split("<<", 1)[1].lstrip("-").strip("'\"")
    return docs.get(name)


def _excludes(instr: df.Copy) -> IgnoreMatcher | None:
    patterns = instr.flag_values("exclude")
    return compile_patterns(read_patterns("\n".join(patterns)), "--exclude") if patterns else None


def _check_chmod(builder: StageBuilder, chmod: str | None, line: int) -> None:
    if chmod is None:
        return
    try:
        if not 0 <= int(chmod, 8) <= 0o7777:
            raise ValueError
    except ValueError:
        raise builder.fail(line, f"invalid --chmod={chmod}", "use an octal mode such as 0644 or 755") from None


def _from_context(ctx: BuildContext, origin: str, ref: str, src: str, unpack: bool,
                  exclude: IgnoreMatcher | None) -> list[CopySource]:
    found = ctx.resolve(src, exclude)
    return [CopySource(origin, ref, s.path, s.digest, s.kind, s.archive and unpack) for s in found]


def plan_copy(builder: StageBuilder, instr: df.Copy) -> None:
    """Add the step for one COPY or ADD instruction to ``builder``."""
    is_add = isinstance(instr, df.Add)
    line = instr.line
    word = instr.flag("from")
    from_ = builder.expand(word, line) if word else None
    chown = builder.expand(instr.flag("chown") or "", line) or None
    chmod = builder.expand(instr.flag("chmod") or "", line) or None
    _check_chmod(builder, chmod, line)
    link = instr.bool_flag("link")
    dest = builder.dest_path(builder.expand(instr.dest, line))
    unpack = is_add and (instr.flag("unpack") or "true").lower() in ("", "1", "true")
    origin = builder.resolve(from_, line) if from_ else ("context", builder.context)
    docs = {h.name: h for h in instr.heredocs}
    sources: list[CopySource] = []
    needs: list[str] = []
    problems: list[str] = []
    offline = None
    for raw in instr.sources:
        doc = _heredoc(raw, docs)
        if doc is not None:
            content = expand_text(doc.content, builder.scope(), builder.escape) if doc.expand else doc.content
            digest = "sha256:" + hashlib.sha256(content.encode()).hexdigest()
            sources.append(CopySource("heredoc", doc.name, doc.name, digest, "file", content=content))
            continue
        src = builder.expand(raw, line)
        if is_add and is_remote(src):
            sources.append(CopySource("url", src))
            offline = offline or offline_message(src)
            problems.append(offline_message(src))
            needs.append(f"network {src}")
            continue
        sources.extend(_resolve(origin, from_, src, unpack, instr, problems))
    _need(origin, from_, sources, needs)
    if len(sources) > 1 and not dest.endswith("/"):
        raise builder.fail(line, f"{instr.keyword} with more than one source file needs a directory destination",
                           f"end the destination with a / (e.g. {instr.dest.rstrip('/')}/)")
    flags = [f"--from={from_}" if from_ else "", f"--chown={chown}" if chown else "",
             f"--chmod={chmod}" if chmod else "", "--link" if link else ""]
    shown = [{"url": s.ref, "heredoc": f"<<{s.ref}"}.get(s.origin, s.path) for s in sources]
    text = " ".join(p for p in [instr.keyword, *flags, *shown, dest] if p)
    key_sources = [(s.origin, s.ref, s.path, s.digest, s.archive) for s in sources]
    excludes = instr.flag_values("exclude")
    key = (key_sources, chown, chmod, link, dest, excludes, instr.bool_flag("parents"))
    builder.add(instr, text, "add" if is_add else "copy", key,
                created_by=f"{text} # buildkit", sources=tuple(sources), dest=dest, chown=chown, chmod=chmod,
                link=link, needs=tuple(needs), offline_error=offline, problems=tuple(problems), excludes=excludes,
                parents=instr.bool_flag("parents"),
                user=builder.config.get("User") or "",
                workdir=builder.workdir)


def _resolve(origin: tuple, from_: str | None, src: str, unpack: bool, instr: df.Copy,
             problems: list[str]) -> list[CopySource]:
    """Sources for one word; a missing context path is recorded in ``problems`` (the build fails on it)."""
    kind, value = origin
    if kind == "context":
        origin_name = "named-context" if from_ else "context"
        try:
            return _from_context(value, origin_name, from_ or "", src, unpack, _excludes(instr))
        except BuildContextError as exc:
            problems.append(f"{instr.keyword} {exc}")
            return [CopySource(origin_name, from_ or "", clean_source(src), None, "missing")]
    rel = clean_source(src)
    path = "/" if rel == "." else "/" + rel
    if kind == "stage":
        return [CopySource("stage", value.label, path, value.fs_key)]
    ref, digest = value
    return [CopySource("image", ref, path, digest)]


def _need(origin: tuple, from_: str | None, sources: list[CopySource], needs: list[str]) -> None:
    kind, value = origin
    if kind == "stage":
        needs.append(f"stage {value.label}")
    elif kind == "image":
        needs.append(f"image {value[0]}")
    else:
        paths = [s.path for s in sources if s.origin in ("context", "named-context")]
        if paths:
            where = f"context {from_}" if from_ else "context"
            needs.append(f"{where}: {' '.join(paths)}")
