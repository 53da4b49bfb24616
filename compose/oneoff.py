"""``dockyard run``: a one-off container of a service (``<project>-<service>-run-<n>``), after its dependencies."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from compose import translate
from compose.engine import parse_env, parse_publish, parse_volume
from compose.events import EventFn, ignore
from compose.loader.canonical_values import split_command
from compose.observe import number_of, observe
from compose.options import UpOptions
from runtime import RestartSpec


@dataclass(frozen=True)
class RunServiceOptions:
    service: str
    command: tuple[str, ...] = ()
    remove: bool = False
    detach: bool = False
    env: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    service_ports: bool = False
    entrypoint: str | None = None
    name: str | None = None
    user: str | None = None
    workdir: str | None = None
    labels: tuple[str, ...] = ()
    no_deps: bool = False
    tty: bool = False
    build: bool = False  # --build: build the service's image first
    interactive: bool = True  # stdin attached (``-i``, docker compose run's default); never when detached


def run_spec(project: Any, opts: RunServiceOptions, number: int, environ: dict[str, str] | None = None) -> Any:
    """The one-off's ContainerSpec: the service's, with run's overrides; ports only with ``--service-ports``."""
    service = project.services[opts.service]
    base = translate.container_spec(project, service, number, oneoff=True, name=opts.name)
    env = dict(base.environment)
    env.update(parse_env(opts.env, environ))
    labels = dict(base.labels)
    labels.update(tuple(item.partition("=")[::2]) for item in opts.labels)
    ports = (base.ports if opts.service_ports else ()) + tuple(parse_publish(p) for p in opts.publish)
    changes: dict[str, Any] = {
        "environment": tuple(env.items()), "labels": tuple(sorted(labels.items())), "ports": ports,
        "mounts": base.mounts + tuple(parse_volume(v) for v in opts.volumes), "restart": RestartSpec("no"),
        "tty": opts.tty, "stdin_open": opts.tty or (opts.interactive and not opts.detach),
    }
    if opts.command:
        changes["command"] = opts.command
    if opts.entrypoint is not None:
        changes["entrypoint"] = tuple(split_command(opts.entrypoint))
    if opts.user:
        changes["user"] = opts.user
    if opts.workdir:
        changes["working_dir"] = opts.workdir
    return dataclasses.replace(base, **changes)


def run(rt: Any, loaded: Any, opts: RunServiceOptions, emit: EventFn = ignore,
        environ: dict[str, str] | None = None, build_progress: Any = None, start: bool = True) -> Any:
    """Bring up the service's dependencies (unless ``no_deps``), then create the one-off container and, with
    ``start``, start it in the background (without, the caller starts it in the foreground)."""
    from compose import service as verbs
    from compose.lock import project_lock

    project = loaded.project
    verbs.select(project, (opts.service,))  # unknown service -> error
    deps = tuple(d.service for d in project.services[opts.service].depends_on if d.service in project.services)
    if deps and not opts.no_deps:
        verbs.up(rt, loaded, UpOptions(services=deps, detach=True, build=opts.build), emit, build_progress=build_progress)
    with project_lock(project.name):
        verbs.ensure_images(rt, project.with_services((opts.service,)), None, emit, build=opts.build, full=project,
                            build_progress=build_progress)
        translate_networks(rt, project, opts.service)
        existing = observe(rt, project.name, resources=False).service_containers(opts.service, oneoff=True)
        number = max([number_of(c) for c in existing] + [0]) + 1
        info = rt.create_container(run_spec(project, opts, number, environ))
        if start:
            rt.start_container(info.id)
    return info


def translate_networks(rt: Any, project: Any, service: str) -> None:
    """Create the networks the service needs (run may come before any up)."""
    for net in project.services[service].networks:
        network = project.networks.get(net.name)
        if network is not None and not network.external:
            rt.create_network(translate.network_spec(project, network))
