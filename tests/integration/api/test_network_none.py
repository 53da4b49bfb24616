"""``network_mode: none``: the container gets a network namespace of its own with only ``lo``, and ``lo`` is up
(127.0.0.1 answers, a listener on it is reachable from inside), as in Docker."""

from __future__ import annotations

import pytest

from runtime import ContainerSpec
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root


def _run(rt, name: str, script: str) -> tuple[int | None, list[str]]:
    spec = ContainerSpec(name=name, image=BUSYBOX_REF, command=("sh", "-c", script), network_mode="none")
    cid = rt.create_container(spec).id
    rt.start_container(cid)
    code = rt.wait_container(cid, timeout=30)
    return code, [line.text.strip() for line in rt.logs(cid)]


def test_loopback_is_up_and_is_the_only_link(rt):
    code, lines = _run(rt, "lonely", "ls /sys/class/net; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo pong")
    assert code == 0, lines
    assert lines == ["lo", "pong"]


def test_a_listener_on_127_0_0_1_is_reachable_inside(rt):
    script = ("(echo hello-lo | nc -l -p 7070 127.0.0.1 &) ; "
              "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 | nc 127.0.0.1 7070 && exit 0; sleep 0.2; done; exit 1")
    code, lines = _run(rt, "listener", script)
    assert code == 0, lines
    assert "hello-lo" in lines  # earlier lines: "connection refused" while the listener was starting
