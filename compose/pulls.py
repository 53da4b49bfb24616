"""``dockyard pull`` and ``push`` for a project's services (through the runtime's ``rt.images``)."""

from __future__ import annotations

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
