"""Read-only verbs: ps, ls, port, top, images, wait. Work from the project name and labels alone."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from compose import labels as L
from compose import status
from compose.errors import ComposeError
from compose.observe import is_oneoff, number_of, observe, project_of, service_of
from compose.options import PsOptions
from runtime import record

STATES = ("paused", "restarting", "removing", "running", "dead", "created", "exited")


def _filters(opts: PsOptions) -> tuple[str, ...]:
    wanted = list(opts.status)
    for item in opts.filters:
        key, _, value = item.partition("=")
        if key != "status" or not value:
            raise ComposeError(f"invalid filter {item!r}", hint="ps supports --filter status=<state>")
        wanted.append(value)
    bad = [s for s in wanted if s not in STATES]
    if bad:
        raise ComposeError(f"invalid status {bad[0]!r}", hint=f"use one of {', '.join(STATES)}")
    return tuple(wanted)


def ps(rt: Any, name: str, opts: PsOptions) -> list:
    """The project's containers as ``ps`` shows them (running ones unless ``all`` or a status filter)."""
    wanted = _filters(opts)
    observed = observe(rt, name, resources=False)
    out = []
    for info in observed.containers:
        if opts.services and service_of(info) not in opts.services:
            continue
        if wanted:
            if info.state not in wanted:
                continue
        elif not opts.all and (info.state not in status.ACTIVE or is_oneoff(info)):
            continue
        out.append(info)
    if opts.services:
        unknown = [s for s in opts.services if s not in observed.services()]
        if unknown and not out:
            raise ComposeError(f"no such service: {', '.join(unknown)}", hint=f"see `dockyard ps -a` for project {name}")
    return out


def now() -> datetime:
    return datetime.now(timezone.utc)


@record
class ProjectSummary:
    name: str
    status: str
    config_files: str
    running: int

    def row(self) -> dict:
        return {"Name": self.name, "Status": self.status, "ConfigFiles": self.config_files}


def ls(rt: Any, *, all: bool = False, filter_name: str | None = None) -> list[ProjectSummary]:  # noqa: A002
    """Projects dockyard runs (all of them, stopped ones too, with ``all``), from container labels."""
    by_project: dict[str, list] = {}
    for info in rt.containers(labels=None, all=True):
        project = project_of(info)
        if project:
            by_project.setdefault(project, []).append(info)
    out = []
    for project, infos in sorted(by_project.items()):
        running = sum(1 for c in infos if c.state == "running")
        if (not all and not running) or (filter_name and filter_name not in project):
            continue
        files = next((c.label_dict().get(L.CONFIG_FILES, "") for c in infos if c.label_dict().get(L.CONFIG_FILES)), "")
        out.append(ProjectSummary(project, status.project_status(infos), files, running))
    return out


def _one(rt: Any, name: str, service: str, index: int | None) -> Any:
    infos = [c for c in observe(rt, name, resources=False).service_containers(service)]
    if not infos:
        raise ComposeError(f"service {service} has no container in project {name}", hint="start it with `dockyard up`")
    if index is None:
        return sorted(infos, key=number_of)[0]
    found = next((c for c in infos if number_of(c) == index), None)
    if found is None:
        raise ComposeError(f"service {service} has no container number {index}", hint="see `dockyard ps`")
    return found


def port(rt: Any, name: str, service: str, private_port: int, protocol: str = "tcp",
         index: int | None = None) -> str:
    """``HOST:PORT`` published for ``private_port/protocol`` of the service's container."""
    info = _one(rt, name, service, index)
    for p in info.ports:
        if p.container_port == private_port and p.protocol == protocol:
            return p.address()
    raise ComposeError(f"no port {private_port}/{protocol} published for service {service}",
                       hint="publish it under ports: in the compose file")


def top(rt: Any, name: str, services: tuple[str, ...] = ()) -> list[tuple[str, list[dict]]]:
    """(container name, its processes) for each running container."""
    infos = [c for c in observe(rt, name, resources=False).containers
             if c.state == "running" and (not services or service_of(c) in services)]
    return [(c.name, rt.top(c.id)) for c in infos]


def images(rt: Any, name: str, services: tuple[str, ...] = ()) -> list[dict]:
    """The images the project's containers use: container, repository, tag, id, size."""
    rows = []
    for info in observe(rt, name, resources=False).containers:
        if services and service_of(info) not in services:
            continue
        repo, _, tag = info.image.rpartition(":") if ":" in info.image.rsplit("/", 1)[-1] else (info.image, "", "latest")
        size = 0
        try:
            size = int(rt.images.inspect(info.image).get("Size") or 0)
        except Exception:  # noqa: BLE001 - an image removed meanwhile shows size 0
            pass
        rows.append({"ContainerName": info.name, "Repository": repo, "Tag": tag, "ID": info.image_id,
                     "Size": size, "Service": service_of(info)})
    return rows


def wait(rt: Any, name: str, services: tuple[str, ...] = ()) -> int:
    """Block until the containers of ``services`` stop; the exit code of the first one."""
    infos = [c for c in observe(rt, name, resources=False).containers
             if (not services or service_of(c) in services) and not is_oneoff(c)]
    if not infos:
        raise ComposeError(f"no containers to wait for in project {name}", hint="start it with `dockyard up`")
    codes = [rt.wait_container(c.id) for c in infos]
    return codes[0]
