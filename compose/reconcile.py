"""reconcile(project, observed, options) -> Plan. PURE: no I/O, no clock; tested as plan text.

Docker Compose's convergence: create missing networks/volumes, for each service (dependencies first) keep
replicas 1..n, create missing ones, recreate those whose config hash (or image) changed, start stopped ones, remove
the highest numbers above the scale; restart dependents that asked for it (``depends_on.restart``); orphans.
"""

from __future__ import annotations

from compose import labels as L
from compose import plan as P
from compose import translate
from compose.errors import ConsistencyError
from compose.graph import ServiceGraph
from compose.model import Project, Service
from compose.observe import Observed, number_of, service_of
from compose.options import RECREATE_FORCE, RECREATE_NEVER, DownPlanOptions, ReconcileOptions
from runtime import ContainerInfo

ORPHAN_HINT = ("If you removed or renamed this service in your compose file, you can run this command with the "
               "--remove-orphans flag to clean it up.")
_RUNNING = ("running", "restarting", "paused")


def service_order(project: Project) -> list[str]:
    """Services, dependencies first (generation by generation, sorted inside one)."""
    return [name for gen in ServiceGraph.from_project(project).generations() for name in sorted(gen)]


def reconcile(project: Project, observed: Observed, options: ReconcileOptions = ReconcileOptions()) -> P.Plan:
    actions: list[P.Action] = []
    actions += _networks(project, observed)
    actions += _volumes(project, observed)
    changed: set[str] = set()
    resolve = _resolve(project, observed)
    for name in service_order(project):
        shared = _shared_namespace_changed(project.services[name], changed)
        service_actions = _service(project, project.services[name], observed, options, resolve, shared)
        if any(a.verb in (P.CREATE, P.RECREATE) for a in service_actions):
            changed.add(name)
        actions += _dependency_restarts(project.services[name], service_actions, changed)
    orphans, warnings = _orphans(project, observed, options)
    return P.Plan(project.name, tuple(actions + orphans), warnings)


# ---------------------------------------------------------------------------------------------- networks, volumes
def _networks(project: Project, observed: Observed) -> list[P.Action]:
    out = []
    for key in translate.used_networks(project):
        network = project.networks[key]
        if observed.network(network.name) is not None:
            continue
        if network.external:
            raise ConsistencyError(f"network {network.name} declared as external, but could not be found",
                                   path=("networks", key), hint=f"create it first: dockyard network create {network.name}")
        out.append(P.Action(P.CREATE, P.NETWORK, network.name, spec=translate.network_spec(project, network)))
    return out


def _volumes(project: Project, observed: Observed) -> list[P.Action]:
    out = []
    for key in translate.used_volumes(project):
        volume = project.volumes[key]
        if observed.volume(volume.name) is not None:
            continue
        if volume.external:
            raise ConsistencyError(f"external volume {volume.name!r} not found", path=("volumes", key),
                                   hint=f"create it first: dockyard volume create {volume.name}")
        out.append(P.Action(P.CREATE, P.VOLUME, volume.name, spec=translate.volume_spec(project, volume)))
    return out


# ---------------------------------------------------------------------------------------------- containers
def _resolve(project: Project, observed: Observed) -> dict[str, str]:
    """service -> the container other services share namespaces with (its lowest-numbered replica)."""
    out = {}
    for name, service in project.services.items():
        existing = observed.service_containers(name)
        out[name] = existing[0].name if existing else translate.container_name_of(project.name, service, 1)
    return out


def _replicas(service: Service, options: ReconcileOptions) -> int:
    wanted = dict(options.scale).get(service.name, service.replicas)
    if wanted > 1 and service.container_name:
        raise ConsistencyError(f"service {service.name} has container_name {service.container_name!r} and {wanted} "
                               "replicas, but container names must be unique", path=("services", service.name),
                               hint="remove container_name or run a single replica")
    return wanted


def _policy(service: Service, options: ReconcileOptions) -> str:
    selected = not options.services or service.name in options.services
    return options.recreate if selected else options.recreate_deps


def _shared_namespace_changed(service: Service, changed: set[str]) -> str:
    """The recreated service whose namespaces ``service`` joins (``network_mode``/``ipc``/``pid: service:x``)."""
    for value in (service.network_mode, service.ipc, service.pid):
        if value and value.startswith("service:") and value[len("service:"):] in changed:
            return value[len("service:"):]
    return ""


def _service(project: Project, service: Service, observed: Observed, options: ReconcileOptions,
             resolve: dict[str, str], shared: str = "") -> list[P.Action]:
    wanted = _replicas(service, options)
    existing = sorted(observed.service_containers(service.name), key=number_of)
    keep, extra = existing[:wanted], existing[wanted:]
    out = [a for info in reversed(extra) for a in _remove(info, service.name, "scale down")]
    policy = _policy(service, options)
    image_id = observed.image_ids.get(translate.image_of(project.name, service))
    for info in keep:
        action = _converge(project, service, info, policy, image_id, options, resolve)
        if shared and action.verb != P.RECREATE:
            spec = translate.container_spec(project, service, action.number or 1, resolve=resolve,
                                            extra_labels=options.labels)
            action = P.Action(P.RECREATE, P.CONTAINER, info.name, service.name, action.number,
                              f"joins the namespaces of recreated {shared}", spec, info.id)
        out.append(action)
    next_number = max([number_of(c) for c in existing] + [0]) + 1
    for number in range(next_number, next_number + wanted - len(keep)):
        spec = translate.container_spec(project, service, number, resolve=resolve, extra_labels=options.labels)
        out.append(P.Action(P.CREATE, P.CONTAINER, spec.name, service.name, number, spec=spec))
    return out


def _diverged(service: Service, info: ContainerInfo, image_id: str | None) -> str:
    if info.label_dict().get(L.CONFIG_HASH) != service.config_hash:
        return "config changed"
    if image_id and info.image_id and info.image_id != image_id:
        return "image changed"
    if info.state == "dead":
        return "dead"
    return ""


def _converge(project: Project, service: Service, info: ContainerInfo, policy: str, image_id: str | None,
              options: ReconcileOptions, resolve: dict[str, str]) -> P.Action:
    number = number_of(info)
    reason = "forced" if policy == RECREATE_FORCE else ("" if policy == RECREATE_NEVER else
                                                       _diverged(service, info, image_id))
    if reason:
        spec = translate.container_spec(project, service, number, resolve=resolve, extra_labels=options.labels)
        return P.Action(P.RECREATE, P.CONTAINER, info.name, service.name, number, reason, spec, info.id)
    if info.state in _RUNNING or options.no_start:
        return P.Action(P.KEEP, P.CONTAINER, info.name, service.name, number, info.state, ref=info.id)
    return P.Action(P.START, P.CONTAINER, info.name, service.name, number, ref=info.id)


def _dependency_restarts(service: Service, actions: list[P.Action], changed: set[str]) -> list[P.Action]:
    """Containers kept running whose ``depends_on`` entry has ``restart: true`` on a recreated dependency."""
    causes = [d.service for d in service.depends_on if d.restart and d.service in changed]
    if not causes:
        return actions
    why = f"dependency {causes[0]} recreated"
    return [P.Action(P.RESTART, a.kind, a.name, a.service, a.number, why, ref=a.ref)
            if a.verb == P.KEEP and a.reason in _RUNNING else a for a in actions]


def _remove(info: ContainerInfo, service: str | None, reason: str) -> list[P.Action]:
    number = number_of(info)
    out = []
    if info.state in _RUNNING:
        out.append(P.Action(P.STOP, P.CONTAINER, info.name, service, number, reason, ref=info.id))
    out.append(P.Action(P.REMOVE, P.CONTAINER, info.name, service, number, reason, ref=info.id))
    return out


def _orphans(project: Project, observed: Observed, options: ReconcileOptions) -> tuple[list[P.Action], tuple[str, ...]]:
    orphans = observed.orphans(set(project.services) | set(options.known_services))
    if not orphans:
        return [], ()
    if options.remove_orphans:
        return [a for info in orphans for a in _remove(info, service_of(info), "orphan")], ()
    names = " ".join(c.name for c in orphans)
    return [], (f"Found orphan containers ([{names}]) for this project. {ORPHAN_HINT}",)


# ---------------------------------------------------------------------------------------------- down
def reconcile_down(project: Project | None, observed: Observed, options: DownPlanOptions = DownPlanOptions()) -> P.Plan:
    """Stop and remove the project's containers (dependents first), then its networks, (-v) volumes, (--rmi) images.

    With no ``project`` (only ``-p NAME``), everything labelled with the project goes."""
    known = set(project.services) if project is not None else None
    containers = [c for c in observed.containers
                  if known is None or service_of(c) in known or options.remove_orphans]
    actions: list[P.Action] = []
    for name in down_order(observed, project):
        for info in sorted((c for c in containers if service_of(c) == name), key=number_of, reverse=True):
            actions += _remove(info, name, "")
    actions += [P.Action(P.REMOVE, P.NETWORK, n) for n in _down_networks(project, observed)]
    if options.volumes:
        actions += [P.Action(P.REMOVE, P.VOLUME, v) for v in _down_volumes(project, observed)]
    if options.rmi:
        actions += [P.Action(P.REMOVE, P.IMAGE, i) for i in _down_images(project, observed, options.rmi)]
    return P.Plan(observed.project, tuple(actions))


def label_dependencies(observed: Observed) -> dict[str, set[str]]:
    """service -> the services it depends on, read from the ``depends_on`` label of its containers."""
    deps: dict[str, set[str]] = {}
    for info in observed.containers:
        entry = deps.setdefault(service_of(info), set())
        for item in filter(None, info.label_dict().get(L.DEPENDS_ON, "").split(",")):
            entry.add(item.split(":", 1)[0])
    return deps


def down_order(observed: Observed, project: Project | None = None) -> list[str]:
    """Services with containers, dependents before their dependencies."""
    deps = label_dependencies(observed)
    if project is not None:
        for name, service in project.services.items():
            deps.setdefault(name, set()).update(d.service for d in service.depends_on)
    present = set(deps)
    order: list[str] = []
    remaining = {name: {d for d in found if d in present} for name, found in deps.items()}
    while remaining:
        needed = {d for found in remaining.values() for d in found}
        ready = sorted(n for n in remaining if n not in needed) or sorted(remaining)[:1]
        for name in ready:
            order.append(name)
            del remaining[name]
    return order


def _down_networks(project: Project | None, observed: Observed) -> list[str]:
    if project is not None:
        names = [n.name for n in project.networks.values() if not n.external]
        return [n for n in names if observed.network(n) is not None]
    return sorted(n.name for n in observed.project_networks())


def _down_volumes(project: Project | None, observed: Observed) -> list[str]:
    if project is not None:
        names = [v.name for v in project.volumes.values() if not v.external]
        return [v for v in names if observed.volume(v) is not None]
    return sorted(v.name for v in observed.project_volumes())


def _down_images(project: Project | None, observed: Observed, rmi: str) -> list[str]:
    images: dict[str, None] = {}
    if project is not None:
        for service in project.services.values():
            if rmi == "all" or not service.image:
                images.setdefault(translate.image_of(project.name, service))
    for info in observed.containers:
        image = info.label_dict().get(L.IMAGE) or info.image
        if rmi == "all" or image == f"{observed.project}-{service_of(info)}":
            images.setdefault(image)
    return list(images)
