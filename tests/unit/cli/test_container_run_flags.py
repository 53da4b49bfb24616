"""`dockyard container run` security, resource and init flags reach the ContainerSpec as docker run sets them."""

from __future__ import annotations


def _run(dy, *flags: str):
    dy.rt.images.add("busybox")
    result = dy("container", "run", "-d", "--name", "one", *flags, "busybox", "sleep", "9")
    assert result.exit_code == 0, result.output
    return dy.rt._find("one").spec


def test_cap_add_and_cap_drop_are_repeatable(dy):
    spec = _run(dy, "--cap-add", "NET_ADMIN", "--cap-add", "SYS_TIME", "--cap-drop", "CHOWN")
    assert spec.cap_add == ("NET_ADMIN", "SYS_TIME") and spec.cap_drop == ("CHOWN",)


def test_privileged_and_read_only_are_set(dy):
    spec = _run(dy, "--privileged", "--read-only")
    assert spec.privileged and spec.read_only


def test_without_flags_the_container_is_unprivileged_and_unlimited(dy):
    spec = _run(dy)
    assert not spec.privileged and not spec.read_only and not spec.init
    assert spec.cap_add == () and spec.cap_drop == ()
    assert (spec.resources.memory, spec.resources.cpus, spec.resources.pids_limit) == (None, None, None)


def test_memory_takes_docker_unit_syntax(dy):
    assert _run(dy, "--memory", "512m").resources.memory == 512 * 1024**2


def test_memory_short_flag_and_gigabytes(dy):
    assert _run(dy, "-m", "1g").resources.memory == 1024**3


def test_cpus_and_pids_limit_are_resources(dy):
    resources = _run(dy, "--cpus", "1.5", "--pids-limit", "64").resources
    assert resources.cpus == 1.5 and resources.pids_limit == 64


def test_init_runs_an_init_process(dy):
    assert _run(dy, "--init").init


def test_entrypoint_replaces_the_image_entrypoint(dy):
    spec = _run(dy, "--entrypoint", "/bin/sh")
    assert spec.entrypoint == ("/bin/sh",) and spec.command == ("sleep", "9")


def test_publish_maps_host_port_to_container_port(dy):
    port = _run(dy, "-p", "127.0.0.1:8080:80/udp").ports[0]
    assert (port.host_ip, port.host_port, port.container_port, port.protocol) == ("127.0.0.1", 8080, 80, "udp")


def test_invalid_memory_is_an_error_naming_the_flag(dy):
    dy.rt.images.add("busybox")
    result = dy("container", "run", "-d", "--memory", "lots", "busybox")
    assert result.exit_code != 0
    assert "--memory" in result.stderr and "512m" in result.stderr
    assert dy.rt.names() == []


def test_non_positive_cpus_is_an_error(dy):
    dy.rt.images.add("busybox")
    result = dy("container", "run", "-d", "--cpus", "0", "busybox")
    assert result.exit_code != 0 and "--cpus" in result.stderr
