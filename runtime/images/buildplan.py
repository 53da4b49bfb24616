"""The build planner: Dockerfile text + context + args + target -> a ``BuildPlan`` the executor only has to run.

Resolves the stage graph (only the stages the target needs, in dependency order), ARG scoping (global ARGs
before the first FROM are usable in FROM and must be redeclared inside a stage; build args override defaults;
proxy args reach RUN without a declaration; automatic TARGET*/BUILD* platform args), ENV/ARG substitution,
ONBUILD triggers of a base, the OCI image config and history of every stage, and cache keys.

The executor runs ``plan.stages`` in order: for each step whose ``cache_key`` is not in its cache it runs
``argv`` (RUN) or copies ``sources`` to ``dest`` (COPY/ADD) or creates ``workdir`` (WORKDIR); config-only steps
are already folded into ``stage.config``. Base images it pulls can be passed back in ``base_images`` to inherit
their config (ENV, WORKDIR...), run their ONBUILD triggers and pin cache keys to their digests.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runtime.errors import ImageError, InvalidReferenceError
from runtime.images import buildconfig as cfg
from runtime.images import dockerfile as df
from runtime.images.buildcontext import BuildContext
from runtime.images.buildsteps import PROXY_ARGS, PlannedStep, StageBuilder, cache_hash
from runtime.images.buildvars import expand_word
from runtime.images.platform import Platform, host_platform, parse_platform
from runtime.images.reference import parse_reference

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")


@dataclass(frozen=True)
class BaseImage:
    """What the executor knows about a base image: its OCI image config JSON and manifest digest."""

    config: Mapping[str, Any]
    digest: str | None = None


@dataclass(frozen=True)
class PlannedStage:
    index: int
    name: str | None
    line: int
    base_kind: str  # "image" | "stage" | "scratch"
    base: str  # image reference, stage label, or "scratch"
    platform: str
    steps: tuple[PlannedStep, ...]
    config: Mapping[str, Any]
    history: tuple[Mapping[str, Any], ...]
    root_key: str
    fs_key: str  # key of the stage's filesystem: its last layer step, or its base
    author: str | None = None
    run_env: Mapping[str, str] = field(default_factory=dict)  # ENV + valued ARGs at the end (RUN's view)
    declared_args: Mapping[str, str | None] = field(default_factory=dict)  # inherited by stages built on it

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    def image_config(self) -> dict[str, Any]:
        """The OCI image config (without ``rootfs``/``created``, which the executor adds)."""
        plat = parse_platform(self.platform)
        out: dict[str, Any] = {"architecture": plat.architecture, "os": plat.os}
        if plat.variant:
            out["variant"] = plat.variant
        if self.author:
            out["author"] = self.author
        out["config"] = json.loads(json.dumps(self.config))
        out["history"] = [dict(h) for h in self.history]
        return out


@dataclass(frozen=True)
class BuildPlan:
    stages: tuple[PlannedStage, ...]  # dependency order; the last one is the target
    skipped: tuple[str, ...]
    platform: str
    build_args: tuple[tuple[str, str], ...]
    unused_build_args: tuple[str, ...]
    syntax: str | None = None
    dockerfile: str = "Dockerfile"
    context: BuildContext | None = field(default=None, compare=False, repr=False)
    named_contexts: Mapping[str, BuildContext] = field(default_factory=dict, compare=False, repr=False)

    @property
    def target(self) -> PlannedStage:
        return self.stages[-1]

    @property
    def cache_key(self) -> str:
        """Identity of the result: the target's filesystem key and its config."""
        return cache_hash(self.target.fs_key, self.target.config)

    def image_config(self) -> dict[str, Any]:
        return self.target.image_config()

    def base_images(self) -> tuple[str, ...]:
        refs = [s.base for s in self.stages if s.base_kind == "image"]
        refs += [src.ref for s in self.stages for st in s.steps for src in st.sources if src.origin == "image"]
        return tuple(dict.fromkeys(refs))

    def offline_errors(self) -> tuple[str, ...]:
        return tuple(st.offline_error for s in self.stages for st in s.steps if st.offline_error)

    def problems(self) -> tuple[str, ...]:
        """``Dockerfile:LINE: ...`` for every step that cannot be executed; the executor refuses the plan."""
        steps = [st for s in self.stages for st in s.steps]
        return tuple(f"{self.dockerfile}:{st.line}: {p}" for st in steps for p in st.problems)

    def describe(self) -> str:
        return describe_plan(self)


def plan_build(dockerfile_text: str, *, context_dir: str | os.PathLike[str],
               build_args: Mapping[str, str] | None = None, target: str | None = None,
               platform: str = "linux/amd64", additional_contexts: Mapping[str, str] | None = None,
               dockerfile_path: str | os.PathLike[str] | None = None,
               base_images: Mapping[str, BaseImage] | None = None,
               build_platform: str | None = None,
               file_hashes: MutableMapping[str, str] | None = None) -> BuildPlan:
    """Plan a build. Raises DockerfileError (``Dockerfile:LINE: message: fix``) or another ImageError.

    ``dockerfile_path`` (absolute, or relative to ``context_dir`` as in compose) names the file in messages
    and selects ``<Dockerfile>.dockerignore``; ``build_platform`` defaults to the host's; ``file_hashes`` is a
    digest cache for context files the caller may keep between builds (see ``BuildContext.open``).
    """
    if dockerfile_path is not None and not Path(dockerfile_path).is_absolute():
        dockerfile_path = Path(context_dir) / dockerfile_path  # compose: relative to the context
    name = Path(dockerfile_path).name if dockerfile_path else "Dockerfile"
    parsed = df.parse_dockerfile(dockerfile_text, path=name)
    context = BuildContext.open(context_dir, dockerfile_path, hashes=file_hashes)
    planner = _Planner(parsed, context, dict(build_args or {}), parse_platform(platform),
                       parse_platform(build_platform) if build_platform else host_platform(),
                       dict(additional_contexts or {}), dict(base_images or {}))
    return planner.plan(target)


def platform_args(target: Platform, build: Platform) -> dict[str, str]:
    return {"TARGETPLATFORM": str(target), "TARGETOS": target.os, "TARGETARCH": target.architecture,
            "TARGETVARIANT": target.variant or "", "BUILDPLATFORM": str(build), "BUILDOS": build.os,
            "BUILDARCH": build.architecture, "BUILDVARIANT": build.variant or ""}


@dataclass
class _Stage:
    index: int
    instr: df.From
    body: list[df.Instruction] = field(default_factory=list)


class _Planner:
    def __init__(self, parsed: df.Dockerfile, context: BuildContext, build_args: dict[str, str],
                 target_platform: Platform, build_platform: Platform, additional: dict[str, str],
                 base_images: dict[str, BaseImage]) -> None:
        self.df = parsed
        self.context = context
        self.build_args = build_args
        self.platform = target_platform
        self.auto = platform_args(target_platform, build_platform)
        self.additional = additional
        self.base_images = base_images
        self.consumed: set[str] = set()
        self.done: dict[int, PlannedStage] = {}
        self.order: list[int] = []
        self.active: list[int] = []
        self.stages: list[_Stage] = []
        self.global_args: dict[str, str | None] = {}
        self.meta: dict[str, str] = dict(self.auto)
        self.named: dict[str, int] = {}
        self.named_contexts: dict[str, BuildContext] = {}
        self._split()

    def fail(self, line: int, message: str, fix: str = "") -> df.DockerfileError:
        return df.DockerfileError(line, message, fix, path=self.df.path)

    def _split(self) -> None:
        if not self.df.instructions:
            raise self.fail(1, "the Dockerfile has no instructions", "start it with FROM IMAGE")
        for instr in self.df.instructions:
            if isinstance(instr, df.From):
                self.stages.append(_Stage(len(self.stages), instr))
            elif self.stages:
                self.stages[-1].body.append(instr)
            elif isinstance(instr, df.Arg):
                self._global_arg(instr)
            else:
                raise self.fail(instr.line, f"{instr.keyword} before the first FROM",
                                "only ARG may come before FROM; move it into a stage")
        if not self.stages:
            raise self.fail(self.df.instructions[-1].line, "no FROM instruction", "add FROM IMAGE (or scratch)")
        seen: dict[str, int] = {}
        for stage in self.stages:
            name = stage.instr.stage_name
            if name is None:
                continue
            if not _STAGE_NAME.match(name):
                raise self.fail(stage.instr.line, f"invalid stage name {name!r}",
                                "use letters, digits, '-', '_' and '.', starting with a letter")
            if name in seen:
                raise self.fail(stage.instr.line, f"duplicate stage name {name!r}",
                                f"it is already used on line {self.stages[seen[name]].instr.line}")
            seen[name] = stage.index
        self.named = seen

    def _global_arg(self, instr: df.Arg) -> None:
        for name, default in instr.args:
            if name in self.build_args:
                self.consumed.add(name)
                value: str | None = self.build_args[name]
            elif default is not None:
                value = self._expand(default, self.meta, instr.line)
            else:
                value = self.auto.get(name)
            self.global_args[name] = value
            if value is not None:
                self.meta[name] = value

    def _expand(self, word: str, scope: Mapping[str, str], line: int) -> str:
        try:
            return expand_word(word, scope, self.df.escape)
        except ImageError as exc:
            raise self.fail(line, f"variable substitution in {word!r}: {exc}", "check the ${...} syntax") from exc

    # -- graph -------------------------------------------------------------------------------------------
    def plan(self, target: str | None) -> BuildPlan:
        index = self._target_index(target)
        self._stage(index)
        stages = tuple(self.done[i] for i in self.order)
        skipped = tuple(s.instr.stage_name or str(s.index) for s in self.stages if s.index not in self.done)
        unused = tuple(sorted(k for k in self.build_args if k not in self.consumed
                              and k not in PROXY_ARGS and k not in self.auto))
        return BuildPlan(stages, skipped, str(self.platform), tuple(sorted(self.build_args.items())), unused,
                         self.df.syntax, self.df.path, self.context, dict(self.named_contexts))

    def _target_index(self, target: str | None) -> int:
        if target is None:
            return len(self.stages) - 1
        index = self.named.get(target.lower())
        if index is None:
            names = ", ".join(self.named) or "none are named"
            raise self.fail(self.stages[-1].instr.line, f'target stage "{target}" could not be found',
                            f"name one of the stages ({names})")
        return index

    def _lookup_stage(self, name: str) -> int | None:
        if name.lower() in self.named:
            return self.named[name.lower()]
        if name.isdigit() and int(name) < len(self.stages):
            return int(name)
        return None

    def _stage(self, index: int) -> PlannedStage:
        if index in self.done:
            return self.done[index]
        if index in self.active:
            cycle = " -> ".join(self.stages[i].instr.stage_name or str(i) for i in [*self.active, index])
            raise self.fail(self.stages[index].instr.line, f"circular dependency between stages: {cycle}",
                            "a stage cannot depend on itself, directly or through others")
        self.active.append(index)
        planned = self._plan_stage(self.stages[index])
        self.active.pop()
        self.done[index] = planned
        self.order.append(index)
        return planned

    def resolve_from(self, name: str, line: int) -> tuple[str, Any]:
        """A ``--from`` value: ("stage", PlannedStage) | ("context", BuildContext) | ("image", (ref, digest))."""
        index = self._lookup_stage(name)
        if index is not None:
            return "stage", self._stage(index)
        if name in self.additional:
            value = self.additional[name]
            if value.startswith("docker-image://"):
                return "image", self._image(value[len("docker-image://"):], line)
            if "://" in value:
                raise self.fail(line, f"additional context {name}={value} is not supported",
                                "use a local directory or docker-image://REF")
            if name not in self.named_contexts:
                self.named_contexts[name] = BuildContext.open(value, name=f"build context {name!r}")
            return "context", self.named_contexts[name]
        return "image", self._image(name, line)

    def _image(self, ref: str, line: int) -> tuple[str, str | None]:
        try:
            parse_reference(ref)
        except InvalidReferenceError as exc:
            raise self.fail(line, f"invalid image reference {ref!r}: {exc}", "name an image or a stage") from exc
        base = self.base_images.get(ref)
        return ref, base.digest if base else None

    # -- one stage ---------------------------------------------------------------------------------------
    def _base(self, stage: _Stage) -> tuple[str, str, dict[str, Any], str, Platform]:
        instr = stage.instr
        image = self._expand(instr.image, self.meta, instr.line)
        if not image:
            raise self.fail(instr.line, f"base name ({instr.image}) should not be blank",
                            "set the build arg it uses, or give the ARG a default")
        plat_word = instr.flag("platform")
        plat = parse_platform(self._expand(plat_word, self.meta, instr.line)) if plat_word else self.platform
        if image.lower() == "scratch":
            return "scratch", "scratch", cfg.scratch_config(), cache_hash("scratch", str(plat)), plat
        index = self._lookup_stage(image)
        if index is not None and index < stage.index:  # FROM only names earlier stages; else an image
            base = self._stage(index)
            return "stage", base.label, cfg.inherit_config(base.config), base.fs_key, plat
        if image in self.additional and self.additional[image].startswith("docker-image://"):
            image = self.additional[image][len("docker-image://"):]
        ref, digest = self._image(image, instr.line)
        known = self.base_images.get(ref)
        config = cfg.inherit_config((known.config.get("config") if known else None) or None)
        return "image", ref, config, cache_hash("image", ref, digest, str(plat)), plat

    def _plan_stage(self, stage: _Stage) -> PlannedStage:
        kind, base, config, root_key, plat = self._base(stage)
        triggers = list(config.pop("OnBuild", None) or [])
        builder = StageBuilder(config=config, parent_key=root_key, escape=self.df.escape,
                               build_args=self.build_args, global_args=self.global_args,
                               auto_args=self.auto, context=self.context, resolve=self.resolve_from,
                               path=self.df.path)
        if kind == "stage":
            parent = self.done[self._lookup_stage(base)]  # type: ignore[index]
            builder.args, builder.state_env = dict(parent.declared_args), dict(parent.run_env)
        else:
            builder.state_env = cfg.env_of(config)
        builder.trigger = True
        for text in triggers:
            for instr in df.parse_dockerfile(text, path=self.df.path).instructions:
                builder.apply(_at_line(instr, stage.instr.line))
        builder.trigger = False
        for instr in stage.body:
            builder.apply(instr)
        self.consumed |= builder.consumed
        history = self._base_history(kind, base) + builder.history
        return PlannedStage(stage.index, stage.instr.stage_name, stage.instr.line, kind, base, str(plat),
                            tuple(builder.steps), builder.config, tuple(history), root_key, builder.parent_key,
                            builder.author, builder.state_env, builder.args)

    def _base_history(self, kind: str, base: str) -> list[dict[str, Any]]:
        if kind == "stage":
            return [dict(h) for h in self.done[self._lookup_stage(base)].history]  # type: ignore[index]
        known = self.base_images.get(base) if kind == "image" else None
        return [dict(h) for h in (known.config.get("history") or [])] if known else []


def _at_line(instr: df.Instruction, line: int) -> df.Instruction:
    return replace(instr, line=line, end_line=line)


def describe_plan(plan: BuildPlan) -> str:
    """The text of ``dockyard build --print``: stages, bases, steps and their cache keys, the image config."""
    target = plan.target
    lines = [f"build plan for {plan.dockerfile}: target stage {target.label!r}, platform {plan.platform}"]
    if plan.syntax:
        lines.append(f"syntax: {plan.syntax} (built-in parser)")
    if plan.build_args:
        lines.append("build args: " + " ".join(f"{k}={v}" for k, v in plan.build_args))
    if plan.unused_build_args:
        lines.append("unused build args: " + " ".join(plan.unused_build_args))
    if plan.skipped:
        lines.append("skipped stages (the target does not need them): " + ", ".join(plan.skipped))
    for stage in plan.stages:
        lines.append("")
        kind = {"image": "image", "stage": "stage", "scratch": "empty"}[stage.base_kind]
        lines.append(f"stage {stage.index} {stage.label!r} (line {stage.line}): FROM {stage.base} [{kind}] "
                     f"{stage.platform}")
        for step in stage.steps:
            mark = f"layer {step.cache_key[7:19]}" if step.cache_key else "config"
            origin = " (ONBUILD trigger)" if step.trigger else ""
            lines.append(f"  {step.index:>2}. line {step.line:<4} {_clip(step.text)}  [{mark}]{origin}")
            for need in step.needs:
                lines.append(f"        needs {_clip(need)}")
            for problem in step.problems:
                lines.append(f"        cannot build: {problem}")
    lines.append("")
    lines.append(f"image config ({target.label}): " + json.dumps(target.config, sort_keys=True))
    lines.append(f"result key: {plan.cache_key}")
    return "\n".join(lines)


def _clip(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."
