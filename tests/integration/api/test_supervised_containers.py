"""What the facade gets from the monitor: restarts, user stops, healthchecks, survival of a killed monitor; plus
pause, published ports, and images pulled from a real registry."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from runtime import (
    ContainerSpec,
    HealthcheckSpec,
    NetworkAttachment,
    NetworkSpec,
    PortSpec,
    ResourceSpec,
    RestartSpec,
)
from runtime.images.service import ImageService
from runtime.supervise import job
from runtime.supervise.holder import monitor_pid
from tests.support.eventually import eventually
from tests.support.registry import (
    free_port,
    registry,  # noqa: F401 - a fixture
    registry_available,
)
from tests.support.runtime_api import BUSYBOX_REF, import_busybox

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    kw.setdefault("network_mode", "none")
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command or None, **kw)


def test_always_restarts_after_a_crash_but_not_after_stop(rt):
    cid = rt.create_container(spec("crashy", "sh", "-c", "sleep 0.2; exit 1", restart=RestartSpec("always"))).id
    rt.start_container(cid)
    eventually(lambda: rt.container(cid).restart_count >= 2, timeout=20)
    stopped = rt.stop_container(cid, timeout=2)
    assert stopped.state == "exited"
    count = stopped.restart_count
    assert rt.container(cid).restart_count == count and rt.container(cid).state == "exited"


def test_healthcheck_probes_run_inside_the_container(rt):
    hc = HealthcheckSpec(("CMD-SHELL", "test \"$(hostname)\" = healthy-box && test -f /tmp/ready"),
                         interval=0.2, timeout=2, retries=2, start_interval=0.2)
    cid = rt.create_container(spec("hc", "sh", "-c", "touch /tmp/ready; sleep 300", init=True,
                                   hostname="healthy-box", healthcheck=hc)).id
    rt.start_container(cid)
    eventually(lambda: (h := rt.container(cid).health) is not None and h.status == "healthy", timeout=20)
    assert rt.inspect_container(cid)["State"]["Health"]["Status"] == "healthy"


def test_a_hung_probe_is_killed_at_its_timeout_and_counts_as_a_failure(rt):
    hc = HealthcheckSpec(("CMD", "sleep", "100"), interval=0.2, timeout=0.3, retries=1, start_interval=0.2)
    cid = rt.create_container(spec("hung", "sleep", "300", init=True, healthcheck=hc)).id
    rt.start_container(cid)
    health = eventually(lambda: (h := rt.container(cid).health) is not None and h.status == "unhealthy" and h,
                        timeout=20)
    assert "exceeded timeout" in health.log[-1]["Output"]
    assert len([p for p in rt.top(cid) if p["CMD"] == "sleep 100"]) <= 1  # timed-out probes never pile up


def test_probes_run_with_the_containers_capabilities(rt):
    hc = HealthcheckSpec(("CMD-SHELL", "grep -q 'CapEff:.*00000000a80425fb' /proc/self/status"), interval=0.2,
                         timeout=2, retries=1, start_interval=0.2)
    cid = rt.create_container(spec("capped", "sleep", "300", init=True, healthcheck=hc)).id
    rt.start_container(cid)
    eventually(lambda: (h := rt.container(cid).health) is not None and h.status == "healthy", timeout=20)


def test_a_failing_healthcheck_turns_unhealthy(rt):
    hc = HealthcheckSpec(("CMD", "false"), interval=0.2, timeout=2, retries=2, start_interval=0.2)
    cid = rt.create_container(spec("sick", "sleep", "300", init=True, healthcheck=hc)).id
    rt.start_container(cid)
    eventually(lambda: (h := rt.container(cid).health) is not None and h.status == "unhealthy", timeout=20)


def test_a_start_failure_is_raised_with_the_reason(rt):
    cid = rt.create_container(spec("broken", "/no/such/binary")).id
    with pytest.raises(Exception, match="/no/such/binary"):
        rt.start_container(cid)
    doc = rt.inspect_container(cid)  # as Docker: a container that never ran stays "created", with the error
    assert doc["State"]["Status"] == "created" and "/no/such/binary" in doc["State"]["Error"]


def test_a_killed_monitor_leaves_the_container_running_and_the_next_command_adopts_it(rt):
    cid = rt.create_container(spec("survivor", "sh", "-c", "while :; do echo alive; sleep 0.1; done",
                                   init=True)).id
    pid = rt.start_container(cid).pid
    directory = rt.store.read(cid)["monitor_dir"]
    os.kill(monitor_pid(directory), signal.SIGKILL)
    eventually(lambda: monitor_pid(directory) is None)
    info = rt.container(cid)  # notices the missing monitor and starts one that adopts the container
    assert info.state == "running" and info.pid == pid
    eventually(lambda: monitor_pid(directory) is not None)
    before = len(list(rt.logs(cid)))
    eventually(lambda: len(list(rt.logs(cid))) > before + 2)
    assert rt.stop_container(cid, timeout=5).state == "exited"


def test_a_cli_killed_right_after_handing_over_a_start_leaves_a_container_the_next_start_finds_running(rt):
    cid = rt.create_container(spec("handed", "sleep", "300", init=True)).id
    pid = rt.start_container(cid).pid
    rt.store.update(cid, lambda r: r.update(state="created"))  # as if killed before recording the start
    assert rt.container(cid).state == "running"
    assert rt.start_container(cid).pid == pid


def test_pause_freezes_and_unpause_resumes(rt):
    cid = rt.create_container(spec("freezer", "sh", "-c", "while :; do echo t; sleep 0.05; done", init=True)).id
    rt.start_container(cid)
    rt.pause_container(cid)
    assert rt.container(cid).state == "paused"
    frozen = len(list(rt.logs(cid)))
    eventually(lambda: len(list(rt.logs(cid))) == frozen, timeout=2)
    rt.unpause_container(cid)
    assert rt.container(cid).state == "running"
    eventually(lambda: len(list(rt.logs(cid))) > frozen + 2)


def test_a_memory_hog_is_reported_oom_killed_with_exit_137(rt):
    limit = ResourceSpec(memory=32 << 20, memory_swap=32 << 20)
    cid = rt.create_container(spec("hog", "awk", 'BEGIN { s = "x"; while (1) s = s s }', resources=limit)).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=60) == 137
    assert rt.container(cid).oom_killed and rt.inspect_container(cid)["State"]["OOMKilled"]


def test_kill_sends_the_signal_and_a_killed_container_is_not_restarted(rt):
    cid = rt.create_container(spec("victim", "sleep", "300", restart=RestartSpec("always"))).id
    rt.start_container(cid)
    rt.kill_container(cid, signal.SIGKILL)
    assert rt.wait_container(cid, timeout=10) == 137
    assert rt.container(cid).restart_count == 0


def test_other_signals_are_delivered_without_stopping(rt):
    cid = rt.create_container(spec("reload", "sh", "-c", "trap 'echo reloaded' HUP; echo ready; "
                                   "while :; do sleep 0.1; done", init=True)).id
    rt.start_container(cid)
    eventually(lambda: [line.text for line in rt.logs(cid)] == ["ready\n"])
    rt.kill_container(cid, signal.SIGHUP)
    eventually(lambda: [line.text for line in rt.logs(cid)] == ["ready\n", "reloaded\n"])
    assert rt.container(cid).state == "running"


def test_published_ports_reach_the_container_from_the_host(rt):
    rt.create_network(NetworkSpec("dyapi_ports"))
    port = free_port()
    cid = rt.create_container(spec(
        "pub", "sh", "-c", "while :; do echo published | nc -l -p 80; done", network_mode="bridge",
        networks=(NetworkAttachment("dyapi_ports"),), ports=(PortSpec(80, port, host_ip="127.0.0.1"),))).id
    info = rt.start_container(cid)
    assert [(p.host_port, p.container_port) for p in info.ports] == [(port, 80)]

    def answer() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            return sock.recv(100)

    assert eventually(answer) == b"published\n"
    assert rt.inspect_container(cid)["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == str(port)


def test_a_container_that_exited_by_itself_starts_again_with_its_ports(rt):
    rt.create_network(NetworkSpec("dyapi_again"))
    port = free_port()
    cid = rt.create_container(spec("again", "sh", "-c", "echo once | nc -l -p 80", network_mode="bridge",
                                   networks=(NetworkAttachment("dyapi_again"),),
                                   ports=(PortSpec(80, port, host_ip="127.0.0.1"),))).id
    for _ in range(2):
        rt.start_container(cid)

        def answer() -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                return sock.recv(100)

        assert eventually(answer) == b"once\n"
        assert rt.wait_container(cid, timeout=10) == 0


@pytest.mark.skipif(not registry_available(), reason="needs Debian's docker-registry")
def test_an_image_pulled_from_a_registry_runs(rt, registry, tmp_path):
    ref = f"{registry.host}/api/busybox:1"
    source = ImageService(tmp_path / "source")
    source_rt = type(rt)(tmp_path / "source", tmp_path / "source-run")
    import_busybox(source_rt, tmp_path, ref)
    source.push(ref)
    rt.pull_image(ref)
    assert rt.has_image(ref) and rt.image_config(ref)["Cmd"] == ["sh"]
    cid = rt.create_container(ContainerSpec("pulled", ref, command=("echo", "pulled-ok"), network_mode="none")).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 0
    assert [line.text for line in rt.logs(cid)] == ["pulled-ok\n"]


def test_an_exit_reaped_by_the_monitor_is_recorded_as_128_plus_n_and_leaves_no_cgroup(rt):
    cid = rt.create_container(spec("reaped", "sleep", "300")).id
    rt.start_container(cid)
    assert _cgroup_dirs(cid)  # while it runs
    os.kill(rt.container(cid).pid, signal.SIGKILL)  # not through the facade: an exit the monitor only observes
    assert rt.wait_container(cid, timeout=10) == 137
    state = job.read_state(rt.store.read(cid)["monitor_dir"], cid)
    assert state["exit_code"] == 137 and not state["oom_killed"]
    assert _cgroup_dirs(cid) == []  # removed at exit, while the container itself is still there
    assert rt.container(cid).state == "exited"


def _cgroup_dirs(cid: str) -> list[str]:
    return [str(p) for p in Path("/sys/fs/cgroup").glob(f"*/dockyard/{cid}")] + \
        [str(p) for p in Path("/sys/fs/cgroup").glob(f"dockyard/{cid}")]
