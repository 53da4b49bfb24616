"""An idle monitor removes its directory when only its own bookkeeping is left, and never anything else."""

import os

from runtime.supervise.monitor import tidy


def _dir(tmp_path, **files):
    d = tmp_path / "monitors" / "proj"
    d.mkdir(parents=True)
    for name, text in files.items():
        (d / name.replace("_", ".")).write_text(text)
    return d


def test_only_locks_and_an_empty_log_left_means_the_directory_goes(tmp_path):
    d = _dir(tmp_path, control_lock="", monitor_lock="", monitor_log="")
    assert tidy(str(d)) is True
    assert not d.exists()


def test_a_job_or_state_file_keeps_the_directory(tmp_path):
    d = _dir(tmp_path, control_lock="", monitor_lock="")
    (d / "abc123.job").write_text("{}")
    assert tidy(str(d)) is False
    assert (d / "abc123.job").exists() and (d / "control.lock").exists()


def test_a_log_with_diagnostics_is_kept(tmp_path):
    d = _dir(tmp_path, control_lock="", monitor_log="Traceback: something went wrong\n")
    assert tidy(str(d)) is False
    assert (d / "monitor.log").read_text().startswith("Traceback")


def test_a_wake_fifo_left_by_a_dead_waiter_does_not_keep_the_directory(tmp_path):
    d = _dir(tmp_path, control_lock="", monitor_lock="")
    os.mkfifo(d / "abc123.wake")
    assert tidy(str(d)) is True
    assert not d.exists()
