"""Fixtures for facade tests (root): a Runtime on private dirs with a busybox image; teardown removes every
container, network and volume it made and fails the test if a mount, netns, cgroup, link or process is left."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from runtime.api import Runtime
from runtime.errors import ContainerRuntimeError
from runtime.network import bridge, dnsctl
from runtime.supervise import job
from runtime.supervise.holder import monitor_pid
from tests.support.eventually import eventually
from tests.support.runtime_api import import_busybox, leftovers


@pytest.fixture
def restore_forwarding():
    path = Path("/proc/sys/net/ipv4/ip_forward")
    before = path.read_text().strip()
    yield
    path.write_text(before)


@pytest.fixture
def rt(dockyard_dirs, tmp_path, restore_forwarding):
    root, run = dockyard_dirs
    runtime = Runtime(root, run)
    import_busybox(runtime, tmp_path)
    yield runtime
    ids = runtime.store.ids()
    links = {n for info in runtime.networks() for n in (info.bridge, *(ep.host_veth for ep in info.endpoints))}
    pids = [p for rec in runtime.store.all() for p in (rec.get("pid"), rec.get("holder_pid")) if p]
    pids += [p for rec in runtime.store.all() for p in _monitored_pids(rec)]
    for cid in ids:
        with contextlib.suppress(ContainerRuntimeError):
            runtime.remove_container(cid, force=True, volumes=True)
    for info in runtime.networks():
        with contextlib.suppress(ContainerRuntimeError):
            runtime.remove_network(info.name, missing_ok=True)
    dnsctl.stop(run)
    monitors = _stop_monitors(run)
    left = leftovers(runtime, tmp_path, ids)
    left["links"] = sorted(links & set(bridge.link_names()))
    left["processes"] = [p for p in pids if p != os.getpid() and Path(f"/proc/{p}").exists() and _not_zombie(p)]
    left["monitors"] = monitors
    assert left == {"mounts": [], "cgroups": [], "netns": [], "links": [], "processes": [], "monitors": []}, left


def _stop_monitors(run: Path) -> list[int]:
    """Monitors leave once their last job is gone; any still alive after a while is killed (by pid) and reported."""
    dirs = [d for d in (run / "monitors").glob("*") if d.is_dir()]
    try:
        eventually(lambda: all(monitor_pid(str(d)) is None for d in dirs), timeout=5)
        return []
    except AssertionError:
        alive = [p for p in (monitor_pid(str(d)) for d in dirs) if p]
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
        return alive


def _monitored_pids(rec: dict) -> list[int]:
    """The container's process and its pipe holder, as its monitor recorded them."""
    state = job.read_state(rec["monitor_dir"], rec["id"]) if rec.get("monitor_dir") else None
    if not state:
        return []
    return [p for p in (state.get("pid"), (state.get("holder") or {}).get("pid")) if p]


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
