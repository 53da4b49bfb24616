"""The console script (``compose.cli.entry``) ends its process as soon as a fast path's verb is done: atexit calls
run and stdout/stderr are flushed, the interpreter's teardown is skipped; a non-daemon thread still running gets
the usual exit. ``main`` (what tests call in-process) never ends the process itself."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compose import cli

COMPOSE = "services:\n  web:\n    image: localbox:latest\n"
HEADER = ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]  # ``ps`` of a project with none


def run_entry(tmp_path: Path, prelude: str, *args: str) -> subprocess.CompletedProcess:
    """``entry()`` in a fresh interpreter with ``prelude`` run first, on an empty state root, in a project dir."""
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    code = textwrap.dedent(prelude) + textwrap.dedent(f"""
        import sys
        sys.argv = ["dockyard", *{list(args)!r}]
        from compose.cli import entry
        entry()
        print("entry returned", flush=True)
    """)
    env = {**os.environ, "DOCKYARD_ROOT": str(tmp_path / "root"), "DOCKYARD_RUN": str(tmp_path / "run")}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_fast_verb_ends_the_process_after_the_atexit_calls_with_its_output_flushed(tmp_path):
    done = run_entry(tmp_path, """
        import atexit, sys
        sys.stdout = open(sys.stdout.fileno(), "w", buffering=1 << 20, closefd=False)  # nothing written until flushed
        atexit.register(lambda: print("atexit ran", file=sys.stderr))
    """, "-p", "shop", "ps")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == HEADER  # flushed from the big buffer; the line after entry() never ran
    assert done.stderr == "atexit ran\n"


def test_a_fast_verb_s_exit_code_is_the_process_s(tmp_path):
    done = run_entry(tmp_path, "", "-p", "shop", "ps", "nosuch")
    assert done.returncode == 1
    assert "nosuch" in done.stderr
    assert "entry returned" not in done.stdout


def test_a_running_non_daemon_thread_gets_the_usual_exit(tmp_path):
    done = run_entry(tmp_path, """
        import threading, time
        gate = threading.Event()
        def late():
            gate.wait(30)
            time.sleep(0.2)
            print("thread finished", flush=True)
        threading.Thread(target=late).start()
        gate.set()
    """, "-p", "shop", "ps")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [*HEADER, "thread", "finished"]


def test_main_leaves_the_process_to_its_caller(tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCKYARD_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("DOCKYARD_RUN", str(tmp_path / "run"))
    monkeypatch.setattr(sys, "argv", ["dockyard", "-p", "shop", "ps", "--services"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
