"""Building services' images: ``build:`` -> ``runtime.BuildRequest``, in an order where a ``service:`` additional
context is built before the service that names it, through ``rt.build``.

``build_request`` and ``build_order`` are pure; ``build_services``/``build_plans`` call the runtime. Nothing here
prints: progress goes to an ``EventFn`` (service level) and a build-progress callback (steps and their output).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compose import translate
from compose.errors import ImageBuildError
from compose.events import Event, EventFn, ignore
from compose.model import Project, Service

SERVICE_CONTEXT = "service:"
IMAGE_CONTEXT = "docker-image://"
REMOTE = ("http://", "https://", "git://", "git@", "github.com/", "ssh://")


@dataclass(frozen=True)
class BuildOptions:
    """``dockyard build`` (and what ``up --build`` passes on): ``build_args`` as ``KEY=VALUE`` or ``KEY`` (taken
    from the environment), ``no_cache``/``pull`` over every service's own setting."""

    services: tuple[str, ...] = ()
    build_args: tuple[str, ...] = ()
    no_cache: bool = False
    pull: bool = False


def buildable(project: Project, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The services (of ``names``, else all) that have a ``build:`` section, in project order."""
    wanted = names or tuple(project.services)
    unknown = [n for n in wanted if n not in project.services]
    if unknown:
        raise ImageBuildError(f"no such service: {', '.join(unknown)}",
                              hint="check the names with `dockyard config --services`")
    return tuple(n for n in project.services if n in wanted and project.services[n].build is not None)


def build_order(project: Project, names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` plus the services their ``service:`` additional contexts name, each after what it needs."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise ImageBuildError("additional contexts form a cycle: " + " -> ".join(path + (name,)),
                                  path=f"services.{name}.build.additional_contexts",
                                  hint="a service cannot need its own image to be built")
        for needed in _context_services(project, name):
            visit(needed, path + (name,))
        order.append(name)

    for name in names:
        visit(name, ())
    return tuple(order)


def _context_services(project: Project, name: str) -> list[str]:
    build = project.services[name].build
    out = []
    for key, value in (build.additional_contexts if build else {}).items():
        if value.startswith(SERVICE_CONTEXT):
            target = value[len(SERVICE_CONTEXT):]
            if target not in project.services or project.services[target].build is None:
                raise ImageBuildError(f"{value!r} names no service with a build section",
                                      path=f"services.{name}.build.additional_contexts.{key}",
                                      hint="name a service of this project that has build:")
            out.append(target)
    return out


def build_request(project: Project, service: Service, opts: BuildOptions, environ: Mapping[str, str]) -> Any:
    """The runtime's BuildRequest for ``service``: tagged ``<project>-<service>`` (or ``image:``) plus ``tags``."""
    from runtime import BuildRequest

    build = service.build
    if build is None:
        raise ImageBuildError("has no build section", path=f"services.{service.name}",
                              hint="add build: (a context directory) or use image:")
    where = f"services.{service.name}.build"
    if build.context.startswith(REMOTE) or "://" in build.context:
        raise ImageBuildError(f"remote build context {build.context!r} cannot be fetched offline",
                              path=f"{where}.context", hint="clone it and point context at the local directory")
    return BuildRequest(
        context_dir=Path(build.context),
        dockerfile=None if build.dockerfile_inline else Path(build.dockerfile or "Dockerfile"),
        dockerfile_inline=build.dockerfile_inline,
        build_args={**{k: v for k, v in build.args.items() if v is not None},
                    **parse_build_args(opts.build_args, environ)},
        target=build.target,
        tags=tuple(dict.fromkeys((translate.image_of(project.name, service),) + tuple(build.tags))),
        labels=dict(build.labels),
        no_cache=build.no_cache or opts.no_cache,
        pull=build.pull or opts.pull,
        network=build.network,
        extra_hosts=extra_hosts(build.extra.get("extra_hosts")),
        shm_size=build.shm_size,
        additional_contexts=_contexts(project, build.additional_contexts),
        platform=_platform(service, where),
    )


def parse_build_args(items: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, str]:
    """``--build-arg KEY=VALUE``; a bare ``KEY`` takes the environment's value (skipped when unset)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if sep:
            out[key] = value
        elif key in environ:
            out[key] = environ[key]
    return out


def extra_hosts(value: Any) -> tuple[tuple[str, str], ...]:
    """``build.extra_hosts`` as a mapping (host: ip or [ips]) or a list of ``host:ip`` / ``host=ip``."""
    if not value:
        return ()
    if isinstance(value, Mapping):
        pairs = [(h, ip) for h, ips in value.items() for ip in (ips if isinstance(ips, (list, tuple)) else [ips])]
        return tuple((str(h), str(ip)) for h, ip in pairs)
    out = []
    for item in value:
        sep = "=" if "=" in item else ":"
        host, _, ip = str(item).partition(sep)
        out.append((host, ip))
    return tuple(out)


def _contexts(project: Project, contexts: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, value in contexts.items():
        if value.startswith(SERVICE_CONTEXT):
            target = project.services[value[len(SERVICE_CONTEXT):]]
            value = IMAGE_CONTEXT + translate.image_of(project.name, target)
        out[key] = value
    return out


def _platform(service: Service, where: str) -> str | None:
    platforms = service.build.platforms if service.build else ()
    if len(platforms) > 1:
        raise ImageBuildError(f"{len(platforms)} platforms asked for; dockyard builds for the host's only",
                              path=f"{where}.platforms", hint="list only the host's platform (or none)")
    return platforms[0] if platforms else service.platform


# ------------------------------------------------------------------------------------------------ with a runtime
def build_services(rt: Any, project: Project, names: tuple[str, ...], opts: BuildOptions,
                   environ: Mapping[str, str], emit: EventFn = ignore,
                   progress: Callable[[str, Any], None] | None = None) -> list[Any]:
    """Build ``names`` (and the services their ``service:`` contexts need); returns the ImageInfos in build order.
    ``progress(service, BuildEvent)`` sees every step and output line. A failure raises ImageBuildError naming the
    service, the step and its exit code, with the step's last output."""
    from runtime import BuildError

    built = []
    for name in build_order(project, names):
        service = project.services[name]
        request = build_request(project, service, opts, environ)
        ref = request.tags[0]
        emit(Event("image", ref, "Building"))
        try:
            info = rt.build(request, progress=(lambda ev, n=name: progress(n, ev)) if progress else None)
        except BuildError as exc:
            emit(Event("image", ref, "Error", f"service {name}", error=True))
            raise ImageBuildError(f"service {name}: build {ref}: {exc}", path=f"services.{name}.build") from exc
        emit(Event("image", ref, "Built"))
        built.append(info)
    return built


def build_plans(rt: Any, project: Project, names: tuple[str, ...], opts: BuildOptions,
                environ: Mapping[str, str]) -> str:
    """``dockyard build --print``: each service's resolved plan, headed by the service and its image name."""
    parts = []
    for name in build_order(project, names):
        request = build_request(project, project.services[name], opts, environ)
        parts.append(f"# service {name}: image {request.tags[0]}\n{rt.build_plan(request).rstrip()}\n")
    return "\n".join(parts)
