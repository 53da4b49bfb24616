"""What is running for a project, read once from the runtime by labels (no compose file needed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from compose import labels as L
from runtime import record

if TYPE_CHECKING:  # annotations only (network and volume types load on use)
    from runtime import ContainerInfo, NetworkInfo, VolumeInfo


def number_of(info: ContainerInfo) -> int:
    try:
        return int(info.label_dict().get(L.CONTAINER_NUMBER, "0"))
    except ValueError:
        return 0


def service_of(info: ContainerInfo) -> str:
    return info.label_dict().get(L.SERVICE, "")


def project_of(info: ContainerInfo) -> str:
    return info.label_dict().get(L.PROJECT, "")


def is_oneoff(info: ContainerInfo) -> bool:
    return info.label_dict().get(L.ONEOFF, "False") == "True"


@record
class Observed:
    """A snapshot: the project's containers (sorted by service and number), every network and volume known to the
    runtime (so external ones can be checked), and image ids by reference where they were looked up."""

    project: str
    containers: tuple[ContainerInfo, ...] = ()
    networks: tuple[NetworkInfo, ...] = ()
    volumes: tuple[VolumeInfo, ...] = ()
    image_ids: dict[str, str] = field(default_factory=dict)

    def service_containers(self, service: str, *, oneoff: bool = False) -> list[ContainerInfo]:
        return [c for c in self.containers if service_of(c) == service and is_oneoff(c) == oneoff]

    def services(self) -> list[str]:
        return list(dict.fromkeys(service_of(c) for c in self.containers))

    def orphans(self, known: Iterable[str]) -> list[ContainerInfo]:
        names = set(known)
        return [c for c in self.containers if service_of(c) not in names and not is_oneoff(c)]

    def network(self, name: str) -> NetworkInfo | None:
        return next((n for n in self.networks if n.name == name), None)

    def volume(self, name: str) -> VolumeInfo | None:
        return next((v for v in self.volumes if v.name == name), None)

    def project_networks(self) -> list[NetworkInfo]:
        return [n for n in self.networks if dict(n.labels).get(L.PROJECT) == self.project]

    def project_volumes(self) -> list[VolumeInfo]:
        return [v for v in self.volumes if dict(v.labels).get(L.PROJECT) == self.project]


def sort_containers(containers: Iterable[ContainerInfo]) -> tuple[ContainerInfo, ...]:
    return tuple(sorted(containers, key=lambda c: (service_of(c), is_oneoff(c), number_of(c), c.name)))


def observe(rt: Any, project: str, *, images: Iterable[str] = (), resources: bool = True) -> Observed:
    """Read the project's state from ``rt`` (a ``runtime.Runtime``). ``images``: references whose local image ids
    to record (to recreate containers whose image changed)."""
    containers = sort_containers(rt.containers(labels=L.project_filter(project), all=True))
    networks = tuple(rt.networks()) if resources else ()
    volumes = tuple(rt.volumes()) if resources else ()
    ids: dict[str, str] = {}
    for ref in images:
        image_id = _image_id(rt, ref)
        if image_id:
            ids[ref] = image_id
    return Observed(project, containers, networks, volumes, ids)


def _image_id(rt: Any, ref: str) -> str | None:
    try:
        if not rt.has_image(ref):
            return None
        return str(rt.images.inspect(ref).get("Id") or "") or None
    except Exception:  # noqa: BLE001 - an unreadable image only means "cannot tell whether it changed"
        return None
