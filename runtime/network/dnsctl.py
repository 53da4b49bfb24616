"""Start, signal and stop the host's DNS responder process (runtime.network.dnsd) from the CLI side."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.errors import NetworkError
from runtime.linux.files import read_bytes
from runtime.state import Shared

if TYPE_CHECKING:
    import subprocess

MODULE = "runtime.network.dnsd"
READY_TIMEOUT = 10.0
_children: dict[int, subprocess.Popen] = {}


def _pid(run: Path) -> int | None:
    try:
        pid = int(read_bytes(run / "dnsd.pid").strip())
    except (OSError, ValueError):
        return None
    try:
        cmd = read_bytes(f"/proc/{pid}/cmdline")
        stat = read_bytes(f"/proc/{pid}/stat")
    except OSError:
        return None
    if MODULE.encode() not in cmd or stat.rsplit(b")", 1)[1].split()[0] == b"Z":
        return None
    return pid


def running_pid(run: Path) -> int | None:
    """The responder's pid if it runs for this DOCKYARD_RUN."""
    return _pid(Path(run))


def status(run: Path) -> dict:
    try:
        return json.loads(read_bytes(Path(run) / "dnsd.json"))
    except (OSError, ValueError):
        return {}


def _start(root: Path, run: Path) -> int:
    pkg_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = pkg_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    run.mkdir(parents=True, exist_ok=True)
    import subprocess  # on use: only a command that starts the responder needs it

    with open(run / "dnsd.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--root", str(root), "--run", str(run)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd="/", start_new_session=True,
        )
    _children[proc.pid] = proc
    return proc.pid


def ensure(root: Path, run: Path, gateway: str | None = None) -> int:
    """Start the responder if needed, else make it reload; wait until it listens on ``gateway``."""
    run = Path(run)
    pid = _pid(run)
    if pid is None:
        with contextlib.suppress(FileNotFoundError):
            (run / "dnsd.json").unlink()
        pid = _start(Path(root), run)
    else:
        reload(run)
    if gateway is None:
        return pid
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        st = status(run)
        if st.get("pid") == pid and gateway in st.get("listening", []):
            return pid
        if st.get("pid") == pid and gateway in st.get("failed", {}):
            raise NetworkError(f"start DNS on {gateway}:53: {st['failed'][gateway]}; free port 53 on that address")
        if pid in _children and _children[pid].poll() is not None:
            raise NetworkError(f"start DNS responder: it exited with {_children[pid].returncode}; see {run}/dnsd.log")
        time.sleep(0.02)
    raise NetworkError(f"start DNS responder: not listening on {gateway}:53 after {READY_TIMEOUT}s; see {run}/dnsd.log")


_reloads = Shared()


def reload(run: Path, timeout: float = 3.0) -> None:
    """Make a running responder re-read state now and wait until it has (it also polls mtimes on its own).

    Threads that ask while one reload is in progress share the next one (``down`` disconnects many containers at
    once): it is signalled after all of them asked, so it reads what each of them changed before asking."""
    _reloads.run(str(run), lambda: _reload_now(Path(run), timeout))


def _reload_now(run: Path, timeout: float) -> None:
    pid = _pid(Path(run))
    if pid is None:
        return
    before = status(run).get("generation", 0)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    pause = 0.0005  # a reload takes the responder a millisecond or two: look soon, then back off to 5 ms
    while time.monotonic() < deadline and status(run).get("generation", 0) == before:
        time.sleep(pause)
        pause = min(pause * 2, 0.005)


def stop(run: Path, timeout: float = 5.0) -> bool:
    """Stop the responder (SIGTERM, then SIGKILL); True if one was running."""
    run = Path(run)
    pid = _pid(run)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid(run) == pid and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.005)
    if _pid(run) == pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _reap(pid, block=True)
    for name in ("dnsd.pid", "dnsd.json"):
        with contextlib.suppress(FileNotFoundError):
            (run / name).unlink()
    return True


def _reap(pid: int, block: bool = False) -> None:
    proc = _children.get(pid)
    if proc is not None:
        import subprocess  # loaded already: the process was started by this one

        try:
            proc.wait(timeout=5 if block else 0)
            _children.pop(pid, None)
        except subprocess.TimeoutExpired:
            pass
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0 if block else os.WNOHANG)
