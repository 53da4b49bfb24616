"""``dockyard pull`` and ``push`` for a project's services (through the runtime's ``rt.images``)."""

from __future__ import annotations

import re
import time
from typing import Any, Callable

from compose import translate
from compose.errors import ComposeError
from compose.events import Event, EventFn, ignore
from compose.options import PullOptions


def _selected(project: Any, services: tuple[str, ...], include_deps: bool) -> list[Any]:
    from compose.service import select

    if not services:
        return list(project.services.values())
    chosen = select(project, services, no_deps=not include_deps)
    return list(chosen.services.values())


def pull(rt: Any, project: Any, opts: PullOptions, emit: EventFn = ignore,
         progress: Callable[[Any], None] | None = None) -> list[str]:
    """Pull each selected service's image; returns the failures that ``ignore_pull_failures`` let through."""
    failures: list[str] = []
    seen: set[str] = set()
    for service in _selected(project, opts.services, opts.include_deps):
        if not service.image:
            emit(Event("service", service.name, "Skipped", "no image to be pulled"))
            continue
        ref = service.image
        if ref in seen:
            continue
        seen.add(ref)
        if (opts.policy or service.pull_policy) in ("missing", "if_not_present") and rt.has_image(ref):
            emit(Event("image", ref, "Skipped", "image is already present"))
            continue
        if (opts.policy or service.pull_policy) == "never":
            continue
        emit(Event("image", ref, "Pulling"))
        try:
            rt.pull_image(ref, platform=service.platform, progress=progress)
        except Exception as exc:  # noqa: BLE001 - translated at this seam
            message = f"service {service.name}: pull {ref}: {exc}"
            emit(Event("image", ref, "Error", str(exc), error=True))
            if not opts.ignore_pull_failures and not (service.build is not None):
                raise ComposeError(message, hint="check the image name and that the registry is reachable") from exc
            failures.append(message)
            continue
        emit(Event("image", ref, "Pulled"))
    return failures


def push(rt: Any, project: Any, services: tuple[str, ...] = (), *, ignore_push_failures: bool = False,
         emit: EventFn = ignore, progress: Callable[[Any], None] | None = None) -> list[str]:
    """Push each selected service's image (services without ``image:`` push their default build name)."""
    failures: list[str] = []
    for service in _selected(project, services, False):
        ref = translate.image_of(project.name, service)
        emit(Event("image", ref, "Pushing"))
        try:
            rt.images.push(ref, progress=progress)
        except Exception as exc:  # noqa: BLE001 - translated at this seam
            emit(Event("image", ref, "Error", str(exc), error=True))
            if not ignore_push_failures:
                raise ComposeError(f"service {service.name}: push {ref}: {exc}",
                                   hint="check that the image exists locally and the registry accepts it") from exc
            failures.append(f"service {service.name}: push {ref}: {exc}")
            continue
        emit(Event("image", ref, "Pushed"))
    return failures


# ------------------------------------------------------------------------------------------------ up / run / create
def ensure_images(rt: Any, project: Any, policy: str | None, emit: EventFn = ignore, *, no_build: bool = False,
                  build: bool = False, build_progress: Callable[[str, Any], None] | None = None,
                  full: Any = None, now: float | None = None) -> None:
    """Make every service's image present: ``--pull`` over each service's ``pull_policy``; services with ``build:``
    are built when their image is missing (an ``image:`` is tried from the registry first), always with ``build``
    (``up --build``) or ``pull_policy: build``, never with ``no_build``. ``full``: the whole project, for
    ``service:`` build contexts outside ``project``. ``daily``/``weekly``/``every_<duration>`` pull again once the
    last pull is older than that (``now``: the clock, epoch seconds)."""
    to_build: list[str] = []
    done: set[str] = set()
    for service in project.services.values():
        ref = translate.image_of(project.name, service)
        if ref in done:
            continue
        done.add(ref)
        wanted = _policy(rt, ref, policy, service, now)
        if _needs_build(rt, service, ref, wanted, build, no_build, emit):
            to_build.append(service.name)
    if to_build:
        from compose.build import BuildOptions, build_services

        build_services(rt, full or project, tuple(to_build), BuildOptions(), {}, emit, build_progress)


def _needs_build(rt: Any, service: Any, ref: str, wanted: str, build: bool, no_build: bool, emit: EventFn) -> bool:
    """Pull what must be pulled; True when the service's image is to be built."""
    can_build = service.build is not None and not no_build
    if can_build and (build or wanted == "build"):
        return True
    present = rt.has_image(ref)
    if present and wanted not in ("always", "stale"):
        return False
    if present and wanted == "stale":
        return _refresh(rt, service, ref, emit)
    if service.build is not None and not service.image:
        if no_build:
            raise ComposeError(f"service {service.name}: image {ref} is not built and --no-build was given",
                               hint=f"build it first: dockyard build {service.name}")
        return True
    if wanted == "never":
        raise ComposeError(f"service {service.name}: image {ref} is not present and pull_policy is never",
                           hint=f"pull it first: dockyard pull {service.name}")
    if wanted == "build":
        raise ComposeError(f"service {service.name}: pull_policy is build but the service has no build section",
                           hint="add build: (a context directory) or choose another pull_policy")
    try:
        _pull_one(rt, service.name, ref, service.platform, emit)
    except ComposeError:
        if not can_build:
            raise
        return True  # image: and build: both set, and the registry does not have it: build it
    return False


_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_NAMED = {"daily": 86400.0, "weekly": 7 * 86400.0}


def refresh_interval(policy: str | None) -> float | None:
    """Seconds after which ``daily``, ``weekly`` or ``every_<duration>`` (``every_12h``, ``every_1w2d``; units
    w d h m s) pull again; None for the other policies."""
    if policy in _NAMED:
        return _NAMED[policy]
    if not policy or not policy.startswith("every_"):
        return None
    found = re.fullmatch(r"(?:\d+[wdhms])+", policy[len("every_"):])
    if not found:
        raise ComposeError(f"pull_policy {policy!r} is not a valid refresh interval",
                           hint="write every_<number><unit>, units w, d, h, m or s (for example every_12h)")
    return float(sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([wdhms])", policy)))


def _refresh(rt: Any, service: Any, ref: str, emit: EventFn) -> bool:
    """Pull a present image again (its refresh interval passed); if that fails, keep using the local one."""
    try:
        _pull_one(rt, service.name, ref, service.platform, emit)
    except ComposeError as exc:
        emit(Event("image", ref, "Skipped", f"refresh failed, using the local image ({exc})"))
    return False


def _policy(rt: Any, ref: str, flag: str | None, service: Any, now: float | None = None) -> str:
    """The policy to apply now: refresh policies become ``stale`` when the image's last pull is older than their
    interval (or unknown), else ``missing``; ``missing`` too for a service without ``image:`` (it is built).
    ``refresh`` uses ``pull_refresh_after`` (always without it)."""
    value = flag or service.pull_policy or "missing"
    after = service.extra.get("pull_refresh_after") if service.extra else None
    if value == "refresh":
        value = f"every_{after}" if after else "always"
    value = {"if_not_present": "missing"}.get(value, value)
    interval = refresh_interval(value)
    if interval is None:
        return value
    if not service.image:
        return "missing"
    pulled = rt.images.pulled_at(ref)
    fresh = pulled is not None and (time.time() if now is None else now) - pulled < interval
    return "missing" if fresh else "stale"


def _pull_one(rt: Any, service: str, ref: str, platform: str | None, emit: EventFn) -> None:
    emit(Event("image", ref, "Pulling"))
    try:
        rt.pull_image(ref, platform=platform)
    except Exception as exc:  # noqa: BLE001 - translated at this seam, naming the service
        emit(Event("image", ref, "Error", str(exc), error=True))
        raise ComposeError(f"service {service}: pull {ref}: {exc}", hint="check the name and the registry") from exc
    emit(Event("image", ref, "Pulled"))
