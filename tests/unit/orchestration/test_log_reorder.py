"""Followed logs of several containers come out in log-time order: each line is held a short window after it
arrives, so a line that arrives late (another container's follower was slower) can still overtake it."""

from __future__ import annotations

from compose.attach import Line, Reorder


def line(time: str, text: str, prefix: str = "a-1") -> Line:
    return Line(prefix, prefix.split("-")[0], f"p-{prefix}", time, "stdout", text)


def texts(lines) -> list[str]:
    return [item.text for item in lines]


def test_nothing_is_released_before_the_window_has_passed():
    buffer = Reorder(0.05)
    buffer.push(line("2026-01-01T00:00:00.200Z", "late"), now=10.0)
    assert texts(buffer.ready(10.04)) == []
    assert texts(buffer.ready(10.05)) == ["late"]


def test_a_line_arriving_late_within_the_window_overtakes_an_earlier_arrival():
    buffer = Reorder(0.05)
    buffer.push(line("2026-01-01T00:00:00.200Z", "b says second", "b-1"), now=10.00)
    buffer.push(line("2026-01-01T00:00:00.100Z", "a says first"), now=10.03)
    assert texts(buffer.ready(10.049)) == []
    assert texts(buffer.ready(10.05)) == ["a says first", "b says second"]


def test_flush_releases_everything_in_time_order():
    buffer = Reorder(0.05)
    for stamp, text in (("03", "c"), ("01", "a"), ("02", "b")):
        buffer.push(line(f"2026-01-01T00:00:{stamp}Z", text), now=1.0)
    assert texts(buffer.flush()) == ["a", "b", "c"]
    assert texts(buffer.ready(9.0)) == []


def test_wait_is_the_time_until_the_oldest_line_is_due_or_the_idle_timeout():
    buffer = Reorder(0.05)
    assert buffer.wait(now=5.0, idle=0.1) == 0.1
    buffer.push(line("2026-01-01T00:00:01Z", "x"), now=5.0)
    assert abs(buffer.wait(now=5.02, idle=0.1) - 0.03) < 1e-9
    list(buffer.ready(5.05))
    assert buffer.wait(now=5.05, idle=0.1) == 0.1
