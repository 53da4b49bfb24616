"""`dockyard container run` without `--network` joins dockyard's default `bridge` network, which the runtime makes
on first use and keeps afterwards, as Docker keeps its `bridge`; `network rm bridge` removes it (and its device)
once no container uses it (root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_run import dockyard

pytestmark = pytest.mark.root


def link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def default_network() -> dict:
    [net] = json.loads(dockyard("network", "inspect", "bridge").stdout)
    return net


def bridge_device() -> str:
    return default_network()["Options"]["com.docker.network.bridge.name"]


def test_an_attached_run_keeps_the_default_network_for_the_next_run(box: str):
    first = dockyard("container", "run", "--rm", box, "true")
    assert first.returncode == 0, first.stderr
    network = default_network()
    assert link_exists(bridge_device())
    second = dockyard("container", "run", "--rm", box, "true")
    assert second.returncode == 0, second.stderr
    assert default_network()["Id"] == network["Id"]


def test_network_rm_removes_the_default_network_once_its_last_container_went(box: str):
    started = dockyard("container", "run", "-d", "--name", "dyc1", box, "sleep", "60")
    assert started.returncode == 0, started.stderr
    device = bridge_device()
    assert dockyard("network", "rm", "bridge").returncode != 0  # dyc1 still uses it
    assert dockyard("container", "rm", "-f", "dyc1").returncode == 0
    assert link_exists(device)
    removed = dockyard("network", "rm", "bridge")
    assert removed.returncode == 0, removed.stderr
    assert dockyard("network", "ls", "-q").stdout == ""
    assert not link_exists(device)
