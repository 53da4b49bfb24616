"""From what compose asks for (``types.ContainerSpec``) and the image config to the launch spec, as Docker does."""

from __future__ import annotations

import signal

import pytest

from runtime import launchspec
from runtime.errors import ContainerError
from runtime.spec import Mount
from runtime.types import ContainerSpec, HealthcheckSpec, MountSpec, ResourceSpec

IMAGE = {"Entrypoint": ["/entry.sh"], "Cmd": ["serve", "--port", "80"], "Env": ["PATH=/bin", "A=image", "B=image"],
         "WorkingDir": "/srv", "User": "www", "StopSignal": "SIGQUIT",
         "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 5_000_000_000, "Retries": 2},
         "Volumes": {"/data": {}, "/cache": {}}}
CID = "ab" * 32


def build(spec: ContainerSpec, config: dict = IMAGE, netns: str | None = "/run/ns/x", **kw):
    return launchspec.build(spec, CID, "/c", config, ["/l1", "/l2"], kw.pop("mounts", []), netns, **kw)


def test_image_entrypoint_and_cmd_are_used_when_the_service_gives_none():
    assert build(ContainerSpec("n", "img")).process.args == ("/entry.sh", "serve", "--port", "80")


def test_a_service_command_replaces_only_the_image_cmd():
    assert build(ContainerSpec("n", "img", command=("x",))).process.args == ("/entry.sh", "x")


def test_a_service_entrypoint_resets_the_image_cmd():
    assert build(ContainerSpec("n", "img", entrypoint=("/bin/sh",))).process.args == ("/bin/sh",)


def test_no_command_at_all_is_an_error_naming_the_image():
    with pytest.raises(ContainerError, match="no command specified.*img"):
        build(ContainerSpec("n", "img"), {})


def test_service_environment_overrides_the_image_env_keeping_order():
    env = build(ContainerSpec("n", "img", environment=(("B", "svc"), ("C", "svc")))).process.env
    assert env == ("PATH=/bin", "A=image", "B=svc", "C=svc")


def test_working_dir_user_and_stop_signal_come_from_the_image_unless_given():
    launch = build(ContainerSpec("n", "img"))
    assert (launch.process.cwd, launch.process.user.spec, launch.stop_signal) == ("/srv", "www", signal.SIGQUIT)
    given = build(ContainerSpec("n", "img", working_dir="/w", user="0:0", stop_signal="USR1", group_add=("audio",)))
    assert (given.process.cwd, given.process.user.spec, given.stop_signal) == ("/w", "0:0", signal.SIGUSR1)
    assert given.process.user.group_add == ("audio",)


def test_stop_grace_period_defaults_to_ten_seconds():
    assert build(ContainerSpec("n", "img")).stop_grace_period == 10.0
    assert build(ContainerSpec("n", "img", stop_grace_period=2.5)).stop_grace_period == 2.5


@pytest.mark.parametrize("text,number", [("SIGTERM", 15), ("KILL", 9), ("2", 2), (None, 15)])
def test_signals_are_read_by_name_or_number(text, number):
    assert launchspec.parse_signal(text) == number


def test_an_unknown_signal_is_refused():
    with pytest.raises(ContainerError, match="unknown signal"):
        launchspec.parse_signal("SIGNOPE")


def test_the_image_healthcheck_applies_when_the_service_has_none():
    hc = launchspec.healthcheck_of(ContainerSpec("n", "img"), IMAGE)
    assert (hc.test, hc.interval, hc.retries, hc.timeout) == (("CMD-SHELL", "true"), 5.0, 2, 30.0)


def test_a_service_healthcheck_wins_and_disable_or_none_turns_it_off():
    own = HealthcheckSpec(("CMD", "ping"))
    assert launchspec.healthcheck_of(ContainerSpec("n", "img", healthcheck=own), IMAGE) == own
    assert launchspec.healthcheck_of(ContainerSpec("n", "img", healthcheck_disabled=True), IMAGE) is None
    assert launchspec.healthcheck_of(ContainerSpec("n", "img", healthcheck=HealthcheckSpec(("NONE",))), IMAGE) is None


def test_image_volumes_not_covered_by_a_mount_become_anonymous_volumes():
    spec = ContainerSpec("n", "img", mounts=(MountSpec("volume", "/data/", "named"),))
    assert launchspec.image_volume_targets(spec, IMAGE) == ["/cache"]


def test_network_modes_choose_the_net_namespace():
    def net(spec, netns):
        return build(spec, netns=netns).namespace("net")

    assert net(ContainerSpec("n", "img"), "/run/ns/x").path == "/run/ns/x"
    assert net(ContainerSpec("n", "img", network_mode="host"), None).host
    none = net(ContainerSpec("n", "img", network_mode="none"), None)
    assert (none.path, none.host) == (None, False)


def test_pid_and_ipc_host_share_the_hosts_namespaces():
    launch = build(ContainerSpec("n", "img", pid="host", ipc="host"))
    assert launch.namespace("pid").host and launch.namespace("ipc").host


def test_security_options():
    launch = build(ContainerSpec("n", "img", security_opt=("no-new-privileges:true", "seccomp=unconfined"),
                                 cap_add=("NET_ADMIN",), privileged=False))
    assert launch.process.no_new_privileges and launch.security.seccomp == "unconfined"
    assert launch.security.cap_add == ("NET_ADMIN",)
    with pytest.raises(ContainerError, match="security_opt"):
        build(ContainerSpec("n", "img", security_opt=("bogus",)))


def test_resources_hostname_and_rootfs():
    launch = build(ContainerSpec("n", "img", read_only=True, resources=ResourceSpec(memory=1 << 20, cpus=0.5,
                                 pids_limit=10, shm_size=1 << 16, cpuset="0")))
    assert (launch.resources.memory, launch.resources.cpus, launch.resources.pids_limit) == (1 << 20, 0.5, 10)
    assert launch.resources.cpuset_cpus == "0" and launch.shm_size == 1 << 16
    assert launch.hostname == CID[:12] and launch.rootfs.readonly and launch.rootfs.layers == ("/l1", "/l2")


def test_the_launch_spec_survives_its_json_form():
    launch = build(ContainerSpec("n", "img", ulimits=(("nofile", 10, 20),), sysctls=(("net.ipv4.ip_forward", "1"),),
                                 labels=(("k", "v"),), init=True),
                   mounts=[Mount("bind", "/x", "/host", True), Mount("tmpfs", "/t", tmpfs_size=10)])
    assert launchspec.from_json(launchspec.to_json(launch)) == launch
