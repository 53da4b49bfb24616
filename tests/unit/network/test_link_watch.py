"""Threads waiting for links to vanish share one link subscription (runtime/network/linkwatch.py); a notification
only wakes them, and each looks its links up again."""

from __future__ import annotations

import queue
import threading

from runtime.network.linkwatch import LinkWatch
from tests.support.eventually import eventually


class FakeEvents:
    """A subscription fed by the test: each batch is how many notifications arrived together; ``None`` means the
    kernel dropped some (the read raises ENOBUFS)."""

    def __init__(self, log: list[str]) -> None:
        self.batches: queue.Queue = queue.Queue()
        self.log = log
        log.append("open")

    def read(self, timeout: float) -> int:
        try:
            batch = self.batches.get(timeout=timeout)
        except queue.Empty:
            return 0
        if batch is None:
            raise OSError(105, "No buffer space available")
        return batch

    def close(self) -> None:
        self.log.append("close")


class Links:
    """The host's links as the test says they are."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)

    def exists(self, name: str) -> bool:
        return name in self.names


def watch_with(log: list[str]) -> tuple[LinkWatch, list[FakeEvents]]:
    made: list[FakeEvents] = []

    def subscribe() -> FakeEvents:
        made.append(FakeEvents(log))
        return made[-1]

    return LinkWatch(subscribe), made


def in_thread(fn, *args) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn(*args)))
    thread.start()
    return thread, out


def test_links_already_gone_need_no_wait_and_the_subscription_is_closed():
    log: list[str] = []
    watch, _ = watch_with(log)
    assert watch.wait_gone(["dyv1", "dyv2"], 30, Links().exists) == []
    assert log == ["open", "close"]


def test_the_wait_ends_when_the_removal_is_notified():
    log: list[str] = []
    watch, made = watch_with(log)
    links = Links("dyv1", "other")
    thread, out = in_thread(watch.wait_gone, ["dyv1"], 30, links.exists)
    eventually(lambda: made)
    links.names -= {"other", "dyv1"}
    made[0].batches.put(2)
    thread.join(30)
    assert out == [[]]
    assert log == ["open", "close"]


def test_a_notification_about_other_links_does_not_end_the_wait():
    watch, made = watch_with([])
    links = Links("dyv1", "other")
    thread, out = in_thread(watch.wait_gone, ["dyv1"], 0.3, links.exists)
    eventually(lambda: made)
    links.names.discard("other")
    made[0].batches.put(1)
    thread.join(30)
    assert out == [["dyv1"]]


def test_links_still_there_at_the_deadline_are_returned():
    watch, _ = watch_with([])
    assert watch.wait_gone(["dyv1", "dyv2"], 0.05, Links("dyv1").exists) == ["dyv1"]


def test_a_link_made_again_after_its_removal_is_not_gone():
    watch, made = watch_with([])
    thread, out = in_thread(watch.wait_gone, ["dyv1"], 0.3, Links("dyv1").exists)
    eventually(lambda: made)
    made[0].batches.put(2)  # removed and made again: it is there when looked up
    thread.join(30)
    assert out == [["dyv1"]]


def test_after_lost_notifications_the_links_are_looked_up_again():
    watch, made = watch_with([])
    links = Links("dyv1")
    thread, out = in_thread(watch.wait_gone, ["dyv1"], 30, links.exists)
    eventually(lambda: made)
    links.names.clear()  # its removal notification is among those dropped
    made[0].batches.put(None)
    thread.join(30)
    assert out == [[]]


def test_concurrent_waiters_share_one_subscription_and_each_sees_its_own_removals():
    log: list[str] = []
    watch, made = watch_with(log)
    names = [f"dyv{i}" for i in range(8)]
    links = Links(*names)
    ready = threading.Barrier(len(names) + 1)

    def wait(name: str) -> list[str]:
        first = [True]

        def exists(n: str) -> bool:
            found = links.exists(n)
            if first.pop() if first else False:
                ready.wait(30)  # every waiter has joined before any removal is notified
            return found
        return watch.wait_gone([name], 30, exists)

    threads = [in_thread(wait, name) for name in names]
    ready.wait(30)
    links.names -= set(names[:4])
    made[0].batches.put(4)
    eventually(lambda: sum(not t.is_alive() for t, _ in threads) == 4)
    links.names -= set(names[4:])
    made[0].batches.put(4)
    for thread, _ in threads:
        thread.join(30)
    assert [out for _, out in threads] == [[[]]] * len(names)
    assert log == ["open", "close"]


def test_the_subscription_is_closed_when_the_last_waiter_fails():
    log: list[str] = []
    watch, _ = watch_with(log)

    def broken(name: str) -> bool:
        raise RuntimeError("lookup failed")

    try:
        watch.wait_gone(["dyv1"], 30, broken)
    except RuntimeError:
        pass
    assert log == ["open", "close"]
    assert watch.wait_gone(["dyv1"], 30, Links().exists) == []
    assert log == ["open", "close", "open", "close"]
