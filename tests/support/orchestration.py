"""Helpers for reconcile/execute tests: a project from inline YAML and a fake runtime already running parts of it."""

from __future__ import annotations

from compose import labels as L
from compose import translate
from compose.model import Project
from compose.observe import Observed, observe
from tests.support.compose_model import project as project_from
from tests.support.fake_runtime import FakeRuntime


def stack(text: str, name: str = "p") -> Project:
    return project_from(text, name=name)


def deploy(rt: FakeRuntime, project: Project, service: str, number: int = 1, *, state: str = "running",
           config_hash: str | None = None, exit_code: int | None = None) -> str:
    """Put replica ``number`` of ``service`` into ``rt`` as if an earlier ``up`` had created it."""
    spec = translate.container_spec(project, project.services[service], number)
    info = rt.create_container(spec)
    rt.set_state(info.name, state, exit_code)
    if config_hash is not None:
        rt.relabel(info.name, L.CONFIG_HASH, config_hash)
    return info.name


def deploy_all(rt: FakeRuntime, project: Project) -> None:
    """Everything of ``project`` up to date and running (networks and volumes too)."""
    for key in translate.used_networks(project):
        rt.create_network(translate.network_spec(project, project.networks[key]))
    for key in translate.used_volumes(project):
        rt.create_volume(translate.volume_spec(project, project.volumes[key]))
    for name, service in project.services.items():
        for number in range(1, service.replicas + 1):
            deploy(rt, project, name, number)
    rt.calls.clear()


def observed(rt: FakeRuntime, project: str = "p") -> Observed:
    return observe(rt, project)
