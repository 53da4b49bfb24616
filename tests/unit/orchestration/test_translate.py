"""translate: a Service becomes the ContainerSpec / NetworkSpec / VolumeSpec the runtime is asked for."""

from __future__ import annotations

from compose import translate
from runtime import HealthcheckSpec, MountSpec, NetworkAttachment, PortSpec, RestartSpec
from tests.support.orchestration import stack


def spec(text: str, service: str = "s", number: int = 1):
    project = stack(text)
    return translate.container_spec(project, project.services[service], number)


def test_container_name_and_compose_labels():
    s = spec("services: {s: {image: x, depends_on: {d: {condition: service_healthy}}}, d: {image: y}}")
    labels = dict(s.labels)
    assert s.name == "p-s-1"
    assert labels["com.docker.compose.project"] == "p"
    assert labels["com.docker.compose.service"] == "s"
    assert labels["com.docker.compose.container-number"] == "1"
    assert labels["com.docker.compose.oneoff"] == "False"
    assert labels["com.docker.compose.depends_on"] == "d:service_healthy:false"
    assert len(labels["com.docker.compose.config-hash"]) == 64


def test_container_name_attribute_wins():
    assert spec("services: {s: {image: x, container_name: custom}}").name == "custom"


def test_string_command_is_shell_split_and_none_means_the_image_default():
    assert spec("services: {s: {image: x, command: \"sh -c 'echo hi'\"}}").command == ("sh", "-c", "echo hi")
    assert spec("services: {s: {image: x}}").command is None


def test_environment_drops_unset_variables():
    s = spec("services: {s: {image: x, environment: {A: '1', B: null}}}")
    assert s.environment == (("A", "1"),)


def test_named_volume_gets_the_project_prefix_and_anonymous_has_no_source():
    s = spec("services: {s: {image: x, volumes: ['data:/d:ro', '/anon']}}\nvolumes: {data: {}}")
    assert s.mounts == (MountSpec("volume", "/d", "p_data", True), MountSpec("volume", "/anon", None))


def test_networks_attach_with_the_service_name_as_alias():
    s = spec("services: {s: {image: x, networks: {back: {aliases: [api]}}}}\nnetworks: {back: {}}")
    assert s.networks == (NetworkAttachment("p_back", ("s", "p-s-1", "api")),)


def test_network_mode_service_points_at_that_services_container():
    s = spec("services: {s: {image: x, network_mode: 'service:d'}, d: {image: y}}")
    assert s.network_mode == "container:p-d-1" and s.networks == ()


def test_published_ports():
    s = spec("services: {s: {image: x, ports: ['127.0.0.1:8080:80', '53/udp']}}")
    assert s.ports == (PortSpec(80, 8080, "tcp", "127.0.0.1"), PortSpec(53, 0, "udp", "0.0.0.0"))


def test_an_ipv6_host_address_is_refused_naming_the_service_and_the_fix():
    import pytest

    from compose.errors import ComposeError

    with pytest.raises(ComposeError, match=r"service 's': ports: host_ip ::1 is an IPv6 address") as err:
        spec("services: {s: {image: x, ports: ['[::1]:8080:80']}}")
    assert "127.0.0.1 or 0.0.0.0" in str(err.value.hint)


def test_restart_policy_with_a_count():
    assert spec("services: {s: {image: x, restart: 'on-failure:3'}}").restart == RestartSpec("on-failure", 3)


def test_deploy_restart_policy_when_no_restart_attribute():
    s = spec("services: {s: {image: x, deploy: {restart_policy: {condition: any, max_attempts: 2, delay: 5s}}}}")
    assert s.restart == RestartSpec("always", 2, 5.0)


def test_restart_on_unhealthy_is_opt_in_through_x_dockyard():
    s = spec("services: {s: {image: x, restart: always, x-dockyard: {restart_on_unhealthy: true}}}")
    assert s.restart.on_unhealthy is True


def test_healthcheck_defaults_are_dockers():
    s = spec("services: {s: {image: x, healthcheck: {test: 'true'}}}")
    assert s.healthcheck == HealthcheckSpec(("CMD-SHELL", "true"), 30.0, 30.0, 3, 0.0, 5.0)


def test_disabled_healthcheck():
    s = spec("services: {s: {image: x, healthcheck: {disable: true}}}")
    assert s.healthcheck is None and s.healthcheck_disabled


def test_logging_options_are_parsed():
    s = spec("services: {s: {image: x, logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}}}")
    assert (s.logging.max_size, s.logging.max_file) == (1024 * 1024, 3)


def test_built_service_without_image_runs_the_default_build_name():
    assert spec("services: {s: {build: .}}").image == "p-s"


def test_network_and_volume_specs_carry_project_labels():
    project = stack("services: {s: {image: x}}\nvolumes: {data: {}}")
    net = translate.network_spec(project, project.networks["default"])
    vol = translate.volume_spec(project, project.volumes["data"])
    assert net.name == "p_default" and dict(net.labels)["com.docker.compose.network"] == "default"
    assert vol.name == "p_data" and dict(vol.labels)["com.docker.compose.volume"] == "data"
