"""Fixtures for network integration tests: a NetworkService on private dirs that cleans up after itself."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import pytest

from runtime.errors import NetworkError
from runtime.network import bridge, dnsctl
from runtime.network.service import NetworkService
from tests.support import netns as nsup


@pytest.fixture
def restore_forwarding():
    """Outbound NAT and LAN-peer ports need ip_forward (IPv4 and IPv6); put the host back as it was."""
    paths = [Path("/proc/sys/net/ipv4/ip_forward"), Path("/proc/sys/net/ipv6/conf/all/forwarding")]
    before = {p: p.read_text().strip() for p in paths if p.exists()}
    yield
    for p, value in before.items():
        if p.read_text().strip() != value:
            p.write_text(value)


@pytest.fixture
def net(dockyard_dirs, restore_forwarding):
    """A NetworkService; on teardown every endpoint and network it knows is removed and its responder stopped."""
    root, run = dockyard_dirs
    svc = NetworkService(root, run)
    yield svc
    for info in svc.list():
        for ep in info.endpoints:
            with contextlib.suppress(NetworkError):
                svc.disconnect(ep.container_id, info.name)
        with contextlib.suppress(NetworkError):
            svc.remove_network(info.name, missing_ok=True)
    dnsctl.stop(run)


@pytest.fixture
def containers():
    """Factory of throwaway netns 'containers'; all removed at teardown."""
    with contextlib.ExitStack() as stack:
        yield lambda tag="c": stack.enter_context(nsup.netns(tag))


@pytest.fixture
def names():
    """A unique ``dy`` link name factory; every link named is deleted at teardown."""
    made: list[str] = []
    tag = secrets.token_hex(3)

    def name(kind: str) -> str:
        made.append(f"dy{kind}{len(made)}{tag}")
        return made[-1]

    yield name
    for link in reversed(made):
        with contextlib.suppress(NetworkError):
            bridge.delete_link(link)
