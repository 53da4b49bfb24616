"""`dockyard container run` without `--network` joins dockyard's default `bridge` network, which the runtime makes
on demand and the CLI removes once no container uses it: nothing is left after the container goes (root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_run import dockyard

pytestmark = pytest.mark.root


def link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def test_an_attached_run_leaves_no_network_behind(box: str):
    run = dockyard("container", "run", "--rm", box, "true")
    assert run.returncode == 0, run.stderr
    assert dockyard("network", "ls", "-q").stdout == ""


def test_the_default_network_lives_while_a_container_uses_it(box: str):
    started = dockyard("container", "run", "-d", "--name", "dyc1", box, "sleep", "60")
    assert started.returncode == 0, started.stderr
    [net] = json.loads(dockyard("network", "inspect", "bridge").stdout)
    device = net["Options"]["com.docker.network.bridge.name"]
    assert link_exists(device)
    assert dockyard("container", "rm", "-f", "dyc1").returncode == 0
    assert dockyard("network", "ls", "-q").stdout == ""
    assert not link_exists(device)
