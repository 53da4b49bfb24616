"""Starts in threads: each outcome (the starter's result or its error) is posted for the loop, which is woken."""

from __future__ import annotations

import os
import select
import threading

import pytest

from runtime.supervise.launching import WAKE, Launches


@pytest.fixture
def wake():
    """The loop's wakeup pipe: (read end, write end)."""
    r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    yield r, w
    os.close(r)
    os.close(w)


def test_an_outcome_is_posted_and_the_loop_woken(wake):
    r, w = wake
    launches = Launches(w)
    launches.submit("web-1", lambda spec, out, err: (spec["pid"], out, err), {"pid": 42}, 7, 8)
    assert select.select([r], [], [], 30)[0]
    assert os.read(r, 16) == WAKE
    [outcome] = launches.collect()
    assert outcome.name == "web-1" and outcome.result == (42, 7, 8) and outcome.error is None
    assert not launches.in_flight() and launches.collect() == []


def test_a_starter_that_raises_posts_its_error(wake):

    def broken(spec, out, err):
        raise FileNotFoundError("no such command")

    launches = Launches(wake[1])
    launches.submit("bad-1", broken, {}, 1, 2)
    [outcome] = launches.wait_all()
    assert outcome.result is None and outcome.error == "FileNotFoundError: no such command"


def test_wait_all_waits_for_every_start_in_flight(wake):
    gate = threading.Event()
    launches = Launches(wake[1])
    for name in ("a", "b", "c"):
        launches.submit(name, lambda spec, out, err: gate.wait(30) and spec["n"], {"n": name}, 1, 2)
    assert launches.in_flight()
    gate.set()
    assert sorted(o.result for o in launches.wait_all()) == ["a", "b", "c"]
    assert not launches.in_flight()
