"""overlayfs mount options from layer dirs (bottom first) and a container's upper/work dirs."""

from __future__ import annotations

import os

PAGE_LIMIT = 4000  # the kernel reads mount data from one page


def options(layers: tuple[str, ...], upper: str, work: str, *, relative_to: str | None = None) -> str:
    """``lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W`` (overlayfs lists the top layer first).

    With ``relative_to``, paths are made relative to that dir (the caller chdirs there first): this keeps long
    layer lists under the one-page mount data limit.
    """
    if not layers:
        raise ValueError("an overlay rootfs needs at least one layer dir")
    rel = (lambda p: os.path.relpath(p, relative_to)) if relative_to else (lambda p: p)
    for path in (*layers, upper, work):
        if ":" in path or "," in path:
            raise ValueError(f"overlay dir {path!r} contains ':' or ',' which overlayfs cannot take")
    lower = ":".join(rel(p) for p in reversed(layers))
    return f"lowerdir={lower},upperdir={rel(upper)},workdir={rel(work)}"


def fits(data: str) -> bool:
    return len(data) < PAGE_LIMIT


def common_parent(paths: tuple[str, ...]) -> str:
    return os.path.commonpath([os.path.dirname(p) for p in paths])
