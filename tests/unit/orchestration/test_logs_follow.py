"""Following logs: new replicas and recreated containers are picked up; exits are reported."""

from __future__ import annotations

import threading

from compose.attach import Exited, Line, Logs
from compose.options import LogsOptions
from runtime import LogLine
from tests.support.eventually import eventually
from tests.support.fake_runtime import FakeRuntime
from tests.support.orchestration import deploy, stack


def collect(logs: Logs, stop: threading.Event, items: list, **kw) -> threading.Thread:
    thread = threading.Thread(target=lambda: items.extend(logs.follow(stop, **kw)), daemon=True)
    thread.start()
    return thread


def test_follow_picks_up_a_replica_started_later():
    rt, project = FakeRuntime(), stack("services: {w: {image: x}}")
    rt.behave("w", logs=("hello",))
    deploy(rt, project, "w", 1)
    stop = threading.Event()
    seen: list = []
    logs = Logs(rt, "p", LogsOptions(), poll=0.01)
    thread = threading.Thread(target=lambda: [seen.append(i) for i in logs.follow(stop)], daemon=True)
    thread.start()
    eventually(lambda: [i.prefix for i in seen] == ["w-1"])
    deploy(rt, project, "w", 2)
    eventually(lambda: sorted(i.prefix for i in seen) == ["w-1", "w-2"])
    stop.set()
    thread.join(5)


def attached_until_exit(rt: FakeRuntime, line: str, code: int) -> list:
    """Follow service ``w`` (which logs ``line``) as attached ``up`` does, until its container exits with ``code``;
    the follow must end by itself."""
    rt.behave("w", logs=(line,))
    deploy(rt, stack("services: {w: {image: x}}"), "w", 1)
    items: list = []
    thread = collect(Logs(rt, "p", poll=0.01), threading.Event(), items, report_exits=True, end_when_all_exited=True)
    eventually(lambda: any(isinstance(i, Line) for i in items))
    rt.set_state("p-w-1", "exited", code)
    thread.join(5)
    assert not thread.is_alive()
    return items


def test_attached_follow_reports_exits_and_ends_when_everything_stopped():
    assert Exited("w-1", "w", "p-w-1", 2) in attached_until_exit(FakeRuntime(), "bye", 2)


class LateLastLine(FakeRuntime):
    """A run's last line reaches its log stream only once the exit can be seen (as a tty's last output can)."""

    def __init__(self) -> None:
        super().__init__()
        self.exit_seen = threading.Event()

    def containers(self, *args, **kwargs):
        infos = super().containers(*args, **kwargs)
        if any(i.state == "exited" for i in infos):
            self.exit_seen.set()
        return infos

    def logs(self, ids, follow=False, **kwargs):
        yield from super().logs(ids, follow=follow, **kwargs)
        if follow:
            self.exit_seen.wait(5)
            yield LogLine(self._find(ids[0]).id, "2026-01-01T00:00:59.000000000Z", "stdout", "last words")


def test_an_exit_is_reported_after_the_last_lines_of_the_run():
    items = attached_until_exit(LateLastLine(), "hello", 0)
    assert [i.text if isinstance(i, Line) else "exit" for i in items] == ["hello", "last words", "exit"]
