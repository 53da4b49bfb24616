"""Valid attributes dockyard does not act on are reported, one line each with its YAML path, never dropped."""

from __future__ import annotations

import textwrap

import pytest

from compose.loader.unsupported import unsupported_fields
from tests.support.compose_model import normalized

IGNORED = "not supported by dockyard yet, ignored"


def warnings_for(service_yaml: str, *, arch: str = "amd64") -> list[str]:
    body = "\n".join("      " + row for row in textwrap.dedent(service_yaml).strip().splitlines())
    return unsupported_fields(normalized(f"services:\n  web:\n      image: x\n{body}\n"), arch=arch)


@pytest.mark.parametrize(("attribute", "value"), [
    ("mem_swappiness", "10"), ("oom_score_adj", "-500"), ("oom_kill_disable", "true"),
])
def test_kernel_memory_tuning_is_warned(attribute, value):
    assert warnings_for(f"{attribute}: {value}") == [f"services.web.{attribute}: {IGNORED}"]


@pytest.mark.parametrize("attribute", ["cpu_quota", "cpu_period", "cpu_count", "cpu_percent"])
def test_cpu_controls_other_than_cpus_are_warned_with_the_alternative(attribute):
    assert warnings_for(f"{attribute}: 50") == [f"services.web.{attribute}: {IGNORED} (use cpus)"]


@pytest.mark.parametrize("row", [
    "cpu_rt_runtime: 400ms", "cpu_rt_period: 1400us", "cpuset: '0,1'", "cgroup_parent: m-executor",
    "storage_opt: {size: 1G}", "device_cgroup_rules: ['c 1:3 mr']",
])
def test_cgroup_settings_the_runtime_does_not_set_are_warned(row):
    key = row.split(":")[0]
    assert warnings_for(row) == [f"services.web.{key}: {IGNORED}"]


def test_blkio_config_is_applied_so_not_warned():
    assert warnings_for("blkio_config: {weight: 300, device_read_bps: [{path: /dev/sda, rate: 1mb}]}") == []


@pytest.mark.parametrize("row", [
    "isolation: process", "credential_spec: {file: spec.json}", "userns_mode: host", "runtime: runc",
    "gpus: all", "uts: host", "cgroup: host",
])
def test_isolation_and_runtime_choices_are_warned(row):
    (warning,) = warnings_for(row)
    assert warning.startswith(f"services.web.{row.split(':')[0]}: {IGNORED}")


def test_service_level_mac_address_points_to_the_network_attachment():
    (warning,) = warnings_for("mac_address: 02:42:ac:11:65:43")
    assert warning.startswith(f"services.web.mac_address: {IGNORED}") and "networks.<name>.mac_address" in warning


@pytest.mark.parametrize("row", [
    "post_start: [{command: [echo, hi]}]",
    "pre_stop: [{command: [echo, bye]}]", "provider: {type: model, options: {model: ai/x}}",
    "external_links: [other_db]", "annotations: {com.example: v}",
])
def test_compose_features_not_implemented_are_warned(row):
    (warning,) = warnings_for(row)
    assert warning.startswith(f"services.web.{row.split(':')[0]}: {IGNORED}")


def test_develop_is_read_by_watch_so_not_warned():
    assert warnings_for("develop: {watch: [{path: ., action: sync, target: /app}]}") == []


def test_file_based_secrets_and_configs_are_mounted_so_not_warned():
    data = normalized("""
        services:
          web: {image: x, secrets: [token], configs: [conf]}
        secrets: {token: {file: ./token.txt}}
        configs: {conf: {file: ./conf.txt}}
    """)
    assert unsupported_fields(data, arch="amd64") == []


def test_secrets_and_configs_from_environment_or_content_are_mounted_and_external_ones_reported():
    data = normalized("""
        services:
          web: {image: x, secrets: [token, swarm], configs: [conf, shared]}
        secrets: {token: {environment: TOKEN}, swarm: {external: true}}
        configs: {conf: {content: "hello"}, shared: {external: true}}
    """)
    assert unsupported_fields(data, arch="amd64") == [
        f"services.web.secrets[1]: {IGNORED} (external secrets are Swarm's; not mounted)",
        f"services.web.configs[1]: {IGNORED} (external configs are Swarm's; not mounted)",
    ]


def test_selinux_relabel_flags_on_volumes_are_warned_with_their_index():
    warnings = warnings_for("volumes: ['./a:/a', './data:/data:z', './b:/b:ro,Z']")
    assert warnings == [f"services.web.volumes[1].bind.selinux: {IGNORED} (SELinux relabel :z)",
                        f"services.web.volumes[2].bind.selinux: {IGNORED} (SELinux relabel :Z)"]


def test_volume_subpath_is_warned():
    data = normalized("""
        services:
          web: {image: x, volumes: [{type: volume, source: v, target: /v, volume: {subpath: sub}}]}
        volumes: {v: {}}
    """)
    assert unsupported_fields(data, arch="amd64") == [f"services.web.volumes[0].volume.subpath: {IGNORED}"]


@pytest.mark.parametrize("driver", ["syslog", "journald", "fluentd"])
def test_logging_drivers_dockyard_does_not_write_are_warned(driver):
    (warning,) = warnings_for(f"logging: {{driver: {driver}}}")
    assert warning.startswith(f"services.web.logging.driver: '{driver}' is not supported by dockyard yet")


@pytest.mark.parametrize("driver", ["json-file", "local", "none"])
def test_logging_drivers_dockyard_writes_are_not_warned(driver):
    assert warnings_for(f"logging: {{driver: {driver}}}") == []


def test_a_platform_other_than_the_hosts_is_warned():
    assert warnings_for("platform: linux/arm64", arch="amd64") == [
        "services.web.platform: linux/arm64 is not the host's platform (linux/amd64); dockyard runs no emulation"]
    assert warnings_for("platform: linux/arm64", arch="arm64") == []


def test_gpu_device_reservations_are_warned():
    (warning,) = warnings_for("deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}")
    assert warning == f"services.web.deploy.resources.reservations.devices: {IGNORED}"


def test_top_level_models_are_warned():
    data = normalized("services: {web: {image: x}}\nmodels: {llm: {model: ai/smollm2}}")
    assert unsupported_fields(data, arch="amd64") == [f"models: {IGNORED}"]


def test_a_fully_supported_service_produces_no_warning():
    warnings = warnings_for("""
        command: [sh, -c, 'sleep 1']
        environment: {A: '1'}
        ports: ['8080:80']
        expose: ['9000']
        volumes: ['./data:/data:ro', '/cache', {type: tmpfs, target: /tmp}]
        networks: {default: {aliases: [www], mac_address: 02:42:ac:11:65:43}}
        healthcheck: {test: [CMD, 'true'], interval: 5s}
        restart: unless-stopped
        mem_limit: 256m
        cpus: 0.5
        cpu_shares: 512
        pids_limit: 100
        ulimits: {nofile: 1024}
        cap_add: [NET_ADMIN]
        sysctls: {net.core.somaxconn: '1024'}
        logging: {driver: json-file, options: {max-size: 1m}}
        stdin_open: true
        tty: true
        init: true
        ipc: private
        pid: host
        cgroup: private
        labels: {a: b}
        platform: linux/amd64
        pull_policy: daily
        stop_grace_period: 3s
    """)
    assert warnings == []


def test_label_files_and_pre_start_hooks_are_warned():
    assert warnings_for("label_file: ./labels\npre_start: [{command: [echo]}]") == [
        f"services.web.pre_start: {IGNORED}",
        f"services.web.label_file: {IGNORED} (the labels in these files are not read)",
    ]


def test_a_fixed_ipv6_address_on_a_network_without_ipv6_is_warned():
    data = normalized("""
        services:
          web: {image: x, networks: {front: {ipv6_address: 'fd00::5', ipv4_address: 172.20.0.5}}}
        networks: {front: {}}
    """)
    assert unsupported_fields(data, arch="amd64") == [
        "services.web.networks.front.ipv6_address: the network has no enable_ipv6: true, so it is ignored"
    ]


def test_a_fixed_ipv6_address_on_an_ipv6_network_is_applied_so_not_warned():
    data = normalized("""
        services:
          web: {image: x, networks: {front: {ipv6_address: 'fd00::5'}}}
        networks: {front: {enable_ipv6: true}}
    """)
    assert unsupported_fields(data, arch="amd64") == []
