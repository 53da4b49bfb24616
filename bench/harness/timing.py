"""Timing: our own wall-clock timer (min/median/max over repetitions) and hyperfine -N when installed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence


class CommandFailed(Exception):
    """A timed command exited non-zero; the message names the command and the tail of its output."""


def run_checked(argv: Sequence[str], *, env: dict | None = None, cwd: str | None = None,
                timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise CommandFailed(f"`{shlex.join(argv)}` exited {proc.returncode}: {' / '.join(tail)}")
    return proc


def time_call(fn: Callable[[], object]) -> float:
    """Seconds taken by one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_command(argv: Sequence[str], runs: int, *, env: dict | None = None, cwd: str | None = None,
                 warmup: int = 1) -> list[float]:
    """Seconds per run of a command (each run must exit 0): hyperfine -N when installed, else our own timer."""
    if shutil.which("hyperfine"):
        return hyperfine(argv, runs, env=env, cwd=cwd, warmup=warmup)
    for _ in range(warmup):
        run_checked(argv, env=env, cwd=cwd)
    return [time_call(lambda: run_checked(argv, env=env, cwd=cwd)) for _ in range(runs)]


def hyperfine(argv: Sequence[str], runs: int, *, env: dict | None = None, cwd: str | None = None,
              warmup: int = 1) -> list[float]:
    """``hyperfine -N`` (no shell in between) of one command; returns every run's wall time in seconds."""
    fd, out = tempfile.mkstemp(prefix="dy-bench-hf-", suffix=".json")
    os.close(fd)
    try:
        run_checked(["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                     "--export-json", out, shlex.join(argv)], env=env, cwd=cwd, timeout=3600)
        with open(out) as fh:
            return [float(t) for t in json.load(fh)["results"][0]["times"]]
    finally:
        os.unlink(out)


def time_interleaved(commands: Sequence[tuple[Sequence[str], dict | None]], runs: int,
                     rounds: int = 5) -> list[list[float]]:
    """Seconds per run of each (argv, env), ``runs`` each, in ``rounds`` rounds that run every command in turn
    (the order reversed every other round), so that a change in machine load during the measurement hits them all
    alike. Returns one list of times per command; a command that fails raises CommandFailed."""
    rounds = max(1, min(rounds, runs))
    out: list[list[float]] = [[] for _ in commands]
    for r in range(rounds):
        n = runs // rounds + (1 if r < runs % rounds else 0)
        order = list(range(len(commands)))
        if r % 2:
            order.reverse()
        for i in order:
            argv, env = commands[i]
            out[i].extend(time_command(argv, n, env=env, warmup=1 if r == 0 else 0))
    return out
