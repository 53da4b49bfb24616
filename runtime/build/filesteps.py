"""COPY/ADD and WORKDIR steps: an overlay of the current layers with a fresh upper dir, mounted in a private
mount namespace, written through with ``fsops``; the upper dir is the step's layer."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from runtime.build import fsops
from runtime.build.errors import BuildError
from runtime.build.sandbox import in_mount_namespace, mount_overlay
from runtime.images.buildcontext import BuildContext
from runtime.images.buildsteps import PlannedStep
from runtime.process.launcher import default_syscalls


def _workspace(tmp: Path) -> Path:
    ws = tmp / f"fs-{secrets.token_hex(6)}"
    for sub in ("upper", "work", "merged", "src"):
        (ws / sub).mkdir(parents=True)
    return ws


def _unmount(*targets: Path) -> None:
    sys = default_syscalls()
    for target in targets:
        if os.path.ismount(target):
            sys.umount2(str(target))


def copy_step(step: PlannedStep, layers: Sequence[Path], src_layers: Sequence[Path] | None,
              contexts: dict[str, BuildContext], tmp: Path, empty: Path, where: str) -> Path:
    """Run a COPY/ADD; return the upper dir holding exactly what it wrote."""
    ws = _workspace(tmp)

    def work() -> None:
        merged, src = ws / "merged", ws / "src"
        mount_overlay(merged, layers, empty, ws / "upper", ws / "work")
        if src_layers is not None:
            mount_overlay(src, src_layers, empty)
        root = str(merged)
        owner = fsops.lookup_ids(root, step.chown, "--chown") if step.chown else None
        chmod = int(step.chmod, 8) if step.chmod else None
        items = copy_sources(step, contexts, str(src))
        fsops.copy_items(root, items, step.dest, owner, chmod, step.excludes)
        _unmount(src, merged)
    in_mount_namespace(where, work)
    return ws / "upper"


def _item(source, contexts: dict[str, BuildContext], tree: str) -> fsops.CopyItem:  # noqa: ANN001
    if source.origin == "heredoc":
        return fsops.CopyItem(source.path, content=source.content or "")
    if source.origin in ("context", "named-context"):
        ctx = contexts[source.ref if source.origin == "named-context" else ""]
        return fsops.CopyItem(source.path, ctx=ctx, archive=source.archive)
    if source.origin in ("stage", "image"):
        return fsops.CopyItem(source.path, tree=tree)
    raise BuildError(f"{source.origin} source {source.ref}: cannot be copied offline")


def copy_sources(step: PlannedStep, contexts: dict[str, BuildContext], tree: str) -> list[fsops.CopyItem]:
    """Expand wildcards of stage/image sources (context sources are already expanded by the planner)."""
    items: list[fsops.CopyItem] = []
    for source in step.sources:
        item = _item(source, contexts, tree)
        if item.tree is None:
            items.append(item)
            continue
        matches = fsops.tree_matches(tree, source.path)
        if not matches:
            raise BuildError(f"{step.text}: no source matches {source.path!r} in {source.ref}")
        items += [fsops.CopyItem(m, tree=tree) for m in matches]
    return items


def workdir_step(step: PlannedStep, layers: Sequence[Path], tmp: Path, empty: Path, where: str) -> Path | None:
    """Create WORKDIR (owned by USER if set); return the upper dir, or None when nothing changed."""
    ws = _workspace(tmp)

    def work() -> None:
        merged = ws / "merged"
        mount_overlay(merged, layers, empty, ws / "upper", ws / "work")
        owner = fsops.lookup_ids(str(merged), step.user, "USER") if step.user else None
        fsops.make_dirs(str(merged), step.workdir, owner)
        _unmount(merged)
    in_mount_namespace(where, work)
    upper = ws / "upper"
    return upper if os.listdir(upper) else None
