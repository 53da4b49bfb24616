"""Pseudo-terminals: ``exec`` with a pty (``dockyard exec`` without -T) and ``tty: true`` containers under the
monitor (their pty master held by the monitor, a duplicate by a holder; output logged as stdout)."""

from __future__ import annotations

import os
import re
import signal

import pytest

from runtime import ContainerSpec
from runtime.supervise.holder import monitor_pid
from tests.support.eventually import eventually
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command or None, network_mode="none", **kw)


def test_exec_with_a_tty_runs_the_command_on_a_pty_of_the_container(rt, capfd):
    cid = rt.create_container(spec("ttyexec", "sleep", "300")).id
    rt.start_container(cid)
    code = rt.exec(cid, ["sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-terminals; exit 3"], tty=True)
    out = capfd.readouterr().out
    assert code == 3
    assert re.fullmatch(r"/dev/pts/\d+\r\nall-terminals\r\n", out), out  # the pty's line discipline adds \r


def test_exec_without_a_tty_has_no_terminal(rt, capfd):
    cid = rt.create_container(spec("notty", "sleep", "300")).id
    rt.start_container(cid)
    assert rt.exec(cid, ["tty"]) == 1
    assert capfd.readouterr().out.strip() == "not a tty"


def test_a_tty_container_under_the_monitor_writes_its_terminal_output_to_the_log_as_stdout(rt):
    cid = rt.create_container(spec("ttyd", "sh", "-c", "tty; echo to-stderr >&2; [ -t 1 ] && echo on-a-tty",
                                   tty=True)).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 0
    lines = [(line.stream, line.text) for line in rt.logs(cid)]
    assert [s for s, _ in lines] == ["stdout"] * 3
    assert re.fullmatch(r"/dev/pts/0\r\n", lines[0][1]) and [t for _, t in lines[1:]] == ["to-stderr\r\n",
                                                                                          "on-a-tty\r\n"]


def test_a_killed_monitor_loses_no_terminal_output_and_the_next_one_takes_the_pty_back(rt):
    cid = rt.create_container(spec("ttycount", "sh", "-c", "i=0; while :; do echo $i; i=$((i+1)); sleep 0.02; done",
                                   tty=True, init=True)).id
    pid = rt.start_container(cid).pid
    directory = rt.store.read(cid)["monitor_dir"]
    eventually(lambda: len(list(rt.logs(cid))) > 3)
    os.kill(monitor_pid(directory), signal.SIGKILL)
    eventually(lambda: monitor_pid(directory) is None)
    before = len(list(rt.logs(cid)))
    assert rt.container(cid).pid == pid  # starts a monitor that adopts the running container
    eventually(lambda: len(list(rt.logs(cid))) > before + 20)
    numbers = [int(line.text) for line in rt.logs(cid)]
    assert numbers == list(range(len(numbers)))  # nothing lost or doubled while no monitor read the pty
    assert rt.stop_container(cid, timeout=5).state == "exited"
