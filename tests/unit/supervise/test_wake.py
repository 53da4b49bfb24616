"""Waiting for a container's state without polling: a waiter reads the container's wake FIFO, which the monitor
writes after every state change (``job.wake``); the FIFO is the waiter's and goes with it."""

from __future__ import annotations

import os

from runtime import supervision
from runtime.supervise import job as jobs

CID = "c" * 64


def test_a_wake_is_read_by_the_waiter_and_its_fifo_goes_with_it(tmp_path):
    directory = str(tmp_path)
    with supervision.watching(directory, CID) as waiter:
        assert os.path.exists(jobs.wake_path(directory, CID))
        jobs.wake(directory, CID)
        waiter.wait(30)
        try:
            left = os.read(waiter.fd, 16)
        except BlockingIOError:
            left = b""
        assert left == b""  # the wake was consumed by wait
    assert not os.path.exists(jobs.wake_path(directory, CID))


def test_a_second_waiter_shares_the_fifo_and_leaves_it_to_the_first(tmp_path):
    directory = str(tmp_path)
    with supervision.watching(directory, CID):
        with supervision.watching(directory, CID) as second:
            jobs.wake(directory, CID)
            second.wait(30)
        assert os.path.exists(jobs.wake_path(directory, CID))
    assert not os.path.exists(jobs.wake_path(directory, CID))


def test_without_a_directory_waiting_falls_back_to_sleeping(tmp_path):
    with supervision.watching(str(tmp_path / "gone"), CID) as waiter:
        assert waiter.fd == -1
        waiter.wait(0.01)
