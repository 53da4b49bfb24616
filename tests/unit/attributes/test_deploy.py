"""services.*.deploy and scale: replicas, resources, restart_policy -> Deploy (strings from interpolation cast)."""

from __future__ import annotations

from compose.model import Resources, RestartPolicy
from tests.support.compose_model import canonical_service_of, one_service


def test_interpolated_strings_are_cast():
    deploy = one_service(
        """
        deploy:
          replicas: "2"
          resources:
            limits: {cpus: "0.5", memory: 512m, pids: "100"}
            reservations: {memory: 1g}
          restart_policy: {condition: on-failure, delay: 5s, max_attempts: "3", window: 2m}
        """
    ).deploy
    assert deploy.replicas == 2
    assert deploy.limits == Resources(cpus=0.5, memory=512 * 1024**2, pids=100)
    assert deploy.reservations.memory == 1024**3
    assert deploy.restart_policy == RestartPolicy("on-failure", delay=5.0, max_attempts=3, window=120.0)


def test_canonical_keeps_durations_as_go_strings():
    deploy = canonical_service_of("deploy: {restart_policy: {delay: 90s}, update_config: {parallelism: '2'}}")["deploy"]
    assert deploy == {"restart_policy": {"delay": "1m30s"}, "update_config": {"parallelism": 2}}


def test_replicas_from_deploy_then_scale_then_one():
    assert one_service("deploy: {replicas: 3}").replicas == 3
    assert one_service("scale: '4'").replicas == 4
    assert one_service("image: x").replicas == 1


def test_with_replicas_returns_a_changed_copy():
    web = one_service("image: x")
    assert web.with_replicas(5).replicas == 5
    assert web.replicas == 1


def test_unmodelled_deploy_fields_are_kept_in_extra():
    deploy = one_service("deploy: {placement: {constraints: [node.role==manager]}}").deploy
    assert deploy.extra["placement"] == {"constraints": ["node.role==manager"]}


def test_distinct_scale_and_replicas_are_an_error():
    import pytest

    from compose.errors import ConsistencyError

    with pytest.raises(ConsistencyError, match="services.web.scale: .* scale 2 and deploy.replicas 3"):
        one_service("scale: 2\ndeploy: {replicas: 3}")
    assert one_service("scale: 3\ndeploy: {replicas: 3}").replicas == 3
