"""P6: resident memory per running container (PSS from /proc/PID/smaps_rollup), 10 idle containers each.

dockyard: everything dockyard keeps running (monitor, holders, DNS responder: the processes left in dockyard's
netns after ``up -d`` returns; containers live in their own netns), divided by 10. docker: the
containerd-shim-runc-v2 processes, divided by 10 (dockerd and containerd are a fixed cost, not counted). podman:
the conmon processes, divided by 10.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .figures import Outcome
from .measure_compose import Tool, _quiet_down, up_until_running
from .stacks import IDLE, IMAGE, write_stack
from .timing import CommandFailed

N = 10


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def sample_mb(pids_fn, reads: int = 3) -> tuple[float, ...]:
    """``reads`` readings, 1 s apart, of the summed PSS of ``pids_fn()`` divided by N, in MB."""
    out = []
    for i in range(reads):
        if i:
            time.sleep(1)
        out.append(sum(pss_kb(p) for p in pids_fn()) / N / 1024)
    return tuple(out)


def dockyard_mb(dy, tool: Tool, stacks: Path) -> tuple[float, ...]:
    stack = write_stack(stacks, "mem10", N)
    try:
        up_until_running(tool, "dybmem", stack, N)
        time.sleep(1)  # let the monitor settle after the last start
        return sample_mb(dy.resident_pids)
    finally:
        _quiet_down(tool, "dybmem", stack)


def shim_mb(an, tool: Tool, stacks: Path) -> tuple[float, ...]:
    stack = write_stack(stacks, "mem10", N)
    try:
        up_until_running(tool, "dybmem", stack, N)
        time.sleep(1)
        return sample_mb(lambda: [p for p in an.netns.pids() if "containerd-shim" in cmdline(p)])
    finally:
        _quiet_down(tool, "dybmem", stack)


def conmon_mb(an) -> tuple[float, ...]:
    names = [f"dybmem{i}" for i in range(N)]
    try:
        for name in names:
            an.run(["podman", "run", "-d", "--name", name, IMAGE, *IDLE], timeout=120)
        time.sleep(1)
        return sample_mb(lambda: [p for p in an.netns.pids() if cmdline(p).startswith("/usr/bin/conmon")
                                  or cmdline(p).startswith("conmon")])
    finally:
        subprocess.run(an.cmd(["podman", "rm", "-f", "-t", "0", *names]), env=an.env, capture_output=True,
                       timeout=300)


def outcomes(dy, dy_tool: Tool, an, dc_tool: Tool | None, podman: bool, stacks: Path) -> dict[str, Outcome]:
    try:
        mine = dockyard_mb(dy, dy_tool, stacks)
    except (CommandFailed, TimeoutError, subprocess.TimeoutExpired) as exc:
        reason = str(exc)[:300]
        return {"P6": Outcome.unmeasurable(reason), "P6b": Outcome.unmeasurable(reason)}
    note = "dockyard: monitor + holders + DNS responder; anchors: per-container supervisor only"
    out = {}
    for fid, fn, enabled, what in (("P6", lambda: shim_mb(an, dc_tool, stacks), dc_tool is not None, "docker"),
                                   ("P6b", lambda: conmon_mb(an), podman, "podman")):
        if not enabled:
            out[fid] = Outcome(mine, (), f"{what} not run (--no-anchors or not installed)")
            continue
        try:
            out[fid] = Outcome(mine, fn(), note=note)
        except (CommandFailed, TimeoutError, subprocess.TimeoutExpired) as exc:
            out[fid] = Outcome(mine, (), f"{what}: {str(exc)[:300]}")
    return out
