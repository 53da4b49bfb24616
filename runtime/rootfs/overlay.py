"""overlayfs mount options from layer dirs (bottom first) and a container's upper/work dirs."""

from __future__ import annotations

import os

PAGE_LIMIT = 4000  # the kernel reads mount data from one page


def options(layers: tuple[str, ...], upper: str, work: str, *, relative_to: str | None = None,
            flags: tuple[str, ...] = ()) -> str:
    """``lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W[,flags]`` (overlayfs lists the top layer first).

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
    return ",".join((f"lowerdir={lower},upperdir={rel(upper)},workdir={rel(work)}", *flags))


def fits(data: str) -> bool:
    return len(data) < PAGE_LIMIT


def common_parent(paths: tuple[str, ...]) -> str:
    return os.path.commonpath([os.path.dirname(p) for p in paths])


PARAMETERS = "/sys/module/overlay/parameters"
_FLAGS: list[tuple[str, ...]] = []


def layer_safe_flags(parameters: str = PARAMETERS) -> tuple[str, ...]:
    """Mount options that keep an upper dir a plain layer: no directory-rename redirects, no metadata-only
    copy-ups (both would point at lower layers a layer tarball does not carry). ``metacopy`` is only named where
    the kernel knows it (4.19+; the module lists it as a parameter). Detected once per process."""
    if not _FLAGS:
        known = os.path.isdir(parameters)
        metacopy = not known or os.path.exists(os.path.join(parameters, "metacopy"))
        _FLAGS.append(("redirect_dir=off", "metacopy=off") if metacopy else ("redirect_dir=off",))
    return _FLAGS[0]
