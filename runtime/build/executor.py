"""Runs a ``BuildPlan``: stage by stage, step by step, reusing cached layers and building the rest.

For each stage: the base's layers (none for scratch, another stage's, or a local image's), then each step:
config-only steps only add history; a filesystem step is looked up in the build cache by its ``cache_key``
and, on a miss, run (RUN in a container, COPY/ADD/WORKDIR on an overlay) into a fresh upper dir that becomes
the step's layer (no layer, and ``empty_layer`` history, when the step changed nothing). Temporary dirs live
under ``DOCKYARD_ROOT/buildcache/tmp/`` and are removed when the build ends, whether it worked or not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from runtime.build import filesteps
from runtime.build.cache import BuildCache, CacheEntry, LayerBlob
from runtime.build.chain import Layer, commit, image_layers, stack
from runtime.build.errors import BuildError
from runtime.build.request import BuildEvent, ProgressFn
from runtime.build.runstep import RunOptions, RunSandbox, run_step
from runtime.errors import ImageNotFoundError, InvalidReferenceError
from runtime.images.buildcontext import BuildContext
from runtime.images.buildplan import BuildPlan, PlannedStage
from runtime.images.buildsteps import PlannedStep
from runtime.images.service import ImageService
from runtime.images.store import force_rmtree

EPOCH = "1970-01-01T00:00:00Z"


@dataclass
class StageResult:
    """A built stage: its layers (lowest first), its image history, and the newest layer's time."""

    layers: list[Layer] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    created: str = ""


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def clean_stale(tmp_root: Path) -> None:
    """Remove temp dirs of builds whose process is gone (killed mid-build)."""
    if not tmp_root.is_dir():
        return
    for entry in tmp_root.iterdir():
        pid = entry.name.partition("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            force_rmtree(entry)


class Executor:
    def __init__(self, images: ImageService, root: Path, *, no_cache: bool = False,
                 options: RunOptions = RunOptions(), progress: ProgressFn | None = None) -> None:
        self.images = images
        self.store = images.store
        self.cache = BuildCache(root, self.store)
        self.root = Path(root)
        self.no_cache = no_cache
        self.options = options
        self.progress = progress or (lambda event: None)
        self.states: dict[str, StageResult] = {}
        self.counter = 0
        self.total = 0

    def execute(self, plan: BuildPlan) -> StageResult:
        """Build every planned stage; return the target's result. Raises BuildError on a failing step."""
        tmp_root = self.root / "buildcache" / "tmp"
        clean_stale(tmp_root)
        tmp = tmp_root / f"{os.getpid()}-{secrets.token_hex(6)}"
        (tmp / "empty").mkdir(parents=True)
        self.total = sum(len(s.steps) for s in plan.stages)
        try:
            result = StageResult()
            for stage in plan.stages:
                result = self._stage(plan, stage, tmp)
                self.states[stage.label] = self.states[str(stage.index)] = result
            return result
        finally:
            force_rmtree(tmp)

    def _emit(self, kind: str, stage: PlannedStage, step: PlannedStep | None = None, **kw: object) -> None:
        self.progress(BuildEvent(kind, stage.label, self.counter, self.total, step.line if step else stage.line,
                                 **kw))  # type: ignore[arg-type]

    # -- stages ----------------------------------------------------------------------------------------------
    def _base(self, stage: PlannedStage) -> StageResult:
        if stage.base_kind == "stage":
            parent = self.states[stage.base]
            return StageResult(list(parent.layers), [dict(h) for h in parent.history], parent.created)
        if stage.base_kind == "image":
            layers, config = image_layers(self.images, stage.base)
            return StageResult(layers, [dict(h) for h in config.get("history") or []],
                               str(config.get("created") or ""))
        return StageResult()

    def _stage(self, plan: BuildPlan, stage: PlannedStage, tmp: Path) -> StageResult:
        state = self._base(stage)
        planned = list(stage.history[len(stage.history) - len(stage.steps):]) if stage.steps else []
        for step, entry in zip(stage.steps, planned):
            self.counter += 1
            entry = dict(entry)
            self._emit("step", stage, step, text=step.text)
            if step.builds_layer:
                started = time.monotonic()
                layer, hit = self._layer_step(plan, stage, step, state.layers, tmp)
                if layer is not None:
                    state.layers.append(layer)
                    state.created = max(state.created, layer.created)
                else:
                    entry["empty_layer"] = True
                if not hit:
                    self._emit("done", stage, step, text=step.text, seconds=time.monotonic() - started)
            entry["created"] = state.created or EPOCH
            state.history.append(entry)
        return state

    # -- steps -----------------------------------------------------------------------------------------------
    def _layer_step(self, plan: BuildPlan, stage: PlannedStage, step: PlannedStep, layers: list[Layer],
                    tmp: Path) -> tuple[Layer | None, bool]:
        key = step.cache_key
        assert key is not None
        if not self.no_cache:
            hit = self.cache.get(key)
            if hit is not None:
                self._emit("cached", stage, step, text=step.text)
                return (stack(self.store, layers, hit.layer, hit.created) if hit.layer else None), True
        upper = self._build_step(plan, stage, step, [layer.dir for layer in layers], tmp)
        created = now_rfc3339()
        try:
            blob: LayerBlob | None = commit(self.store, upper, tmp) if upper is not None else None
        finally:
            if upper is not None:
                force_rmtree(upper.parent)
        self.cache.put(key, CacheEntry(blob, created))
        return (stack(self.store, layers, blob, created) if blob else None), False

    def _build_step(self, plan: BuildPlan, stage: PlannedStage, step: PlannedStep, dirs: list[Path],
                    tmp: Path) -> Path | None:
        """Run one filesystem step; its upper dir (None when it changed nothing)."""
        where = f"{plan.dockerfile}:{step.line}: {step.text}"
        empty = tmp / "empty"
        if step.action == "run":
            box = RunSandbox(tmp, empty, self.root / "buildcache" / "mounts", plan.context,  # type: ignore[arg-type]
                             lambda name: self._mount_source(plan, name))
            upper = run_step(step, dirs, box, self.options,
                             lambda text: self._emit("output", stage, step, text=text))
        elif step.action in ("copy", "add"):
            upper = filesteps.copy_step(step, dirs, self._copy_source(step), self._contexts(plan), tmp, empty,
                                        where)
        elif step.action == "workdir":
            upper = filesteps.workdir_step(step, dirs, tmp, empty, where)
        else:
            raise BuildError(f"{where}: unknown step kind {step.action!r}")
        if upper is not None and not os.listdir(upper):
            force_rmtree(upper.parent)
            return None
        return upper

    def _contexts(self, plan: BuildPlan) -> dict[str, BuildContext]:
        contexts = dict(plan.named_contexts)
        if plan.context is not None:
            contexts[""] = plan.context
        return contexts

    def _copy_source(self, step: PlannedStep) -> list[Path] | None:
        """Layer dirs of a COPY --from stage or image (None for context sources)."""
        for source in step.sources:
            if source.origin == "stage":
                return [layer.dir for layer in self.states[source.ref].layers]
            if source.origin == "image":
                return [layer.dir for layer in image_layers(self.images, source.ref)[0]]
        return None

    def _mount_source(self, plan: BuildPlan, name: str) -> BuildContext | list[Path]:
        if name in self.states:
            return [layer.dir for layer in self.states[name].layers]
        if name in plan.named_contexts:
            return plan.named_contexts[name]
        with contextlib.suppress(ImageNotFoundError, InvalidReferenceError):
            return [layer.dir for layer in image_layers(self.images, name)[0]]
        raise BuildError(f"RUN --mount from={name}: no such stage, build context or local image")
