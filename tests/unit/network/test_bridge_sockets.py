"""How runtime/network/bridge.py (through rtmsg.py) holds its netlink sockets: pyroute2 loaded on the first netlink
call, one host client per thread reused across calls and closed with the thread, never shared with a forked child. Read-only netlink
queries of the host's ``lo``: no root needed."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

from runtime.network import bridge, rtmsg
from tests.support.paths import REPO


def test_importing_bridge_does_not_load_pyroute2():
    code = "import sys, runtime.network.bridge; print('pyroute2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_thread_reuses_its_host_socket_and_another_thread_gets_its_own():
    assert bridge.link_exists("lo") and bridge.link_exists("lo")
    mine = rtmsg.host()
    assert rtmsg.host() is mine
    theirs: list = []
    thread = threading.Thread(target=lambda: theirs.append((bridge.link_exists("lo"), rtmsg.host())))
    thread.start()
    thread.join(30)
    assert theirs[0][0] is True and theirs[0][1] is not mine


def test_a_finished_threads_socket_is_closed():
    made: list = []
    thread = threading.Thread(target=lambda: made.append(bridge.link_exists("lo") and rtmsg.host()))
    thread.start()
    thread.join(30)
    gc.collect()
    assert made[0].closed is True


def test_a_missing_link_is_reported_absent():
    assert bridge.link_exists("dy-no-such-link") is False
    assert bridge.delete_link("dy-no-such-link") is False


FORK = """
import os, sys
from runtime.network import bridge
assert bridge.link_exists("lo")
pid = os.fork()
if pid == 0:  # the child uses netlink itself, then leaves through the interpreter (atexit, finalizers)
    sys.exit(0 if bridge.link_exists("lo") else 1)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), bridge.link_exists("lo"), bridge.link_names("lo"))
"""


def test_a_forked_child_exiting_normally_leaves_the_parents_socket_working():
    out = subprocess.run([sys.executable, "-c", FORK], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.stdout.split() == ["0", "True", "['lo']"], out.stderr
