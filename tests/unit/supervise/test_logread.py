"""Reading logs: order across rotated files, tail, since/until, the fast copy, follow, and time-ordered merging."""

from __future__ import annotations

import io
import threading

import pytest

from runtime.supervise.logread import copy_logs, follow_logs, format_entry, merge_logs, read_logs, render_chunk
from runtime.supervise.logs import LogEntry, LogOptions, LogWriter, encode_entry

BASE = 1_700_000_000 * 1_000_000_000  # 2023-11-14T22:13:20Z


def _write(path, lines, *, start_s: int = 0, options: LogOptions = LogOptions()) -> None:
    """One entry per second from BASE + start_s."""
    t = [BASE + start_s * 1_000_000_000]

    def clock() -> int:
        t[0] += 1_000_000_000
        return t[0] - 1_000_000_000

    writer = LogWriter(path, options, clock=clock)
    for line in lines:
        writer.write("stdout", line.encode())
    writer.close()


def _at(second: int) -> str:
    return f"2023-11-14T22:13:{20 + second:02d}.000000000Z"


@pytest.fixture
def rotated(tmp_path):
    path = tmp_path / "c.log"
    _write(path, [f"line {i:02d}\n" for i in range(40)], options=LogOptions.build(None, {"max-size": "800",
                                                                                          "max-file": 9}))
    return path


def _texts(entries) -> list[str]:
    return [e.log.strip() for e in entries]


def test_reads_all_entries_across_rotated_files_in_order(rotated):
    assert _texts(read_logs(rotated)) == [f"line {i:02d}" for i in range(40)]


@pytest.mark.parametrize("tail", [0, 1, 3, 7, 15, 39, 40, 100])
def test_tail_returns_the_last_n_entries(rotated, tail):
    expected = [f"line {i:02d}" for i in range(40)][-tail:] if tail else []
    assert _texts(read_logs(rotated, tail=tail)) == expected


def test_since_and_until_select_a_time_range_inclusive(rotated):
    assert _texts(read_logs(rotated, since=_at(5), until=_at(8))) == ["line 05", "line 06", "line 07", "line 08"]


def test_since_accepts_datetimes_and_epoch_seconds(rotated):
    from datetime import datetime, timezone

    since = datetime.fromtimestamp(1_700_000_037, tz=timezone.utc)
    assert _texts(read_logs(rotated, since=since)) == ["line 37", "line 38", "line 39"]
    assert _texts(read_logs(rotated, since=1_700_000_038.5)) == ["line 39"]


def test_tail_applies_within_the_time_range(rotated):
    assert _texts(read_logs(rotated, until=_at(10), tail=2)) == ["line 09", "line 10"]


def test_range_outside_the_logs_is_empty(rotated):
    assert _texts(read_logs(rotated, since="2030-01-01T00:00:00Z")) == []
    assert _texts(read_logs(rotated, until="2000-01-01T00:00:00Z")) == []


def test_missing_log_reads_as_empty(tmp_path):
    assert list(read_logs(tmp_path / "nothing.log")) == []


def test_copy_prints_docker_logs_text(rotated):
    out = io.BytesIO()
    copy_logs(rotated, out, tail=2, timestamps=True)
    assert out.getvalue().decode() == f"{_at(38)} line 38\n{_at(39)} line 39\n"


@pytest.mark.parametrize("text", ["plain\n", 'quote " and \\ backslash\n', "tab\tx\n", "partial", "\\n literal\n",
                                  'ends with quote"\n', "é ü\n", "\\", '"}\n'])
def test_fast_and_slow_rendering_agree(text):
    chunk = encode_entry("stdout", "first\n", 1) + encode_entry("stderr", text, 2)
    for stamps in (False, True):
        slow = "".join(format_entry(e, timestamps=stamps) for e in
                       (LogEntry("1970-01-01T00:00:00.000000001Z", "stdout", "first\n"),
                        LogEntry("1970-01-01T00:00:00.000000002Z", "stderr", text)))
        assert render_chunk(chunk, stamps).decode() == slow


def test_merge_orders_by_time_and_names_sources():
    a = [LogEntry("2024-01-01T00:00:01.000000000Z", "stdout", "a1\n"),
         LogEntry("2024-01-01T00:00:03.000000000Z", "stdout", "a3\n")]
    b = [LogEntry("2024-01-01T00:00:02.000000000Z", "stdout", "b2\n")]
    assert [(n, e.log) for n, e in merge_logs({"web-1": a, "db-1": b})] == [
        ("web-1", "a1\n"), ("db-1", "b2\n"), ("web-1", "a3\n")]


class Alive:
    def __init__(self) -> None:
        self.flag = True

    def __call__(self) -> bool:
        return self.flag


def test_follow_yields_old_and_new_lines_and_stops_when_the_container_is_gone(tmp_path):
    path = tmp_path / "c.log"
    _write(path, ["before\n"])
    alive = Alive()
    writer = LogWriter(path)

    def sleep(_: float) -> None:  # the follower's idle hook drives the "container"
        if writer._fd is not None:
            writer.write("stdout", b"after\n")
            writer.close()
        else:
            alive.flag = False

    assert _texts(follow_logs(path, alive, sleep=sleep)) == ["before", "after"]


def test_follow_continues_across_rotation_and_recreation(tmp_path):
    path = tmp_path / "c.log"
    alive = Alive()
    steps = iter(range(100))
    writer = LogWriter(path, LogOptions.build(None, {"max-size": "200", "max-file": 3}))

    def sleep(_: float) -> None:
        step = next(steps)
        if step < 12:
            writer.write("stdout", f"n{step:02d}\n".encode())
        elif step == 12:
            writer.close()
            path.unlink()  # a restart that re-creates the file
            fresh = LogWriter(path)
            fresh.write("stdout", b"restarted\n")
            fresh.close()
        else:
            alive.flag = False

    got = _texts(follow_logs(path, alive, sleep=sleep))
    assert got == [f"n{i:02d}" for i in range(12)] + ["restarted"]


def test_follow_waits_for_a_file_that_does_not_exist_yet(tmp_path):
    path = tmp_path / "later.log"
    alive = Alive()
    calls = []

    def sleep(_: float) -> None:
        calls.append(1)
        if len(calls) == 2:
            _write(path, ["hello\n"])
        if len(calls) == 4:
            alive.flag = False

    assert _texts(follow_logs(path, alive, sleep=sleep)) == ["hello"]


def test_follow_with_tail_starts_from_the_last_lines(rotated):
    assert _texts(follow_logs(rotated, lambda: False, tail=2)) == ["line 38", "line 39"]


def test_follow_sees_lines_written_by_another_thread(tmp_path):
    path = tmp_path / "c.log"
    _write(path, [])
    alive = Alive()
    writer = LogWriter(path)

    def produce() -> None:
        for i in range(50):
            writer.write("stdout", f"{i}\n".encode())
        writer.close()
        alive.flag = False

    thread = threading.Thread(target=produce)
    thread.start()
    got = _texts(follow_logs(path, alive, poll=0.01))
    thread.join()
    assert got == [str(i) for i in range(50)]


def test_follow_many_merges_backlogs_in_time_order_then_picks_up_new_replicas(tmp_path):
    from runtime.supervise.logfollow import follow_many

    _write(tmp_path / "a.log", ["a0\n", "a2\n"], start_s=0)  # seconds 0 and 1
    _write(tmp_path / "b.log", ["b1\n"], start_s=0)
    sources = {"web-1": str(tmp_path / "a.log"), "db-1": str(tmp_path / "b.log")}
    alive = Alive()
    steps = iter(range(10))

    def sleep(_: float) -> None:
        step = next(steps)
        if step == 0:
            _write(tmp_path / "c.log", ["c-first\n"], start_s=10)
            sources["web-2"] = str(tmp_path / "c.log")
        elif step == 1:
            _write(tmp_path / "a.log", ["a-late\n"], start_s=20)
        else:
            alive.flag = False

    got = [(name, e.log.strip()) for name, e in follow_many(lambda: dict(sources), alive, sleep=sleep)]
    assert got[:3] == [("web-1", "a0"), ("db-1", "b1"), ("web-1", "a2")]
    assert got[3:] == [("web-2", "c-first"), ("web-1", "a-late")]


def test_a_chunk_mixing_foreign_lines_is_still_rendered_line_by_line():
    docker = b'{"log":"from docker\\n","stream":"stdout","time":"2024-01-02T03:04:05.5Z"}\n'
    chunk = encode_entry("stdout", "ours\n", 1) + docker + b"torn{\n"
    assert render_chunk(chunk, False) == b"ours\nfrom docker\n"
    assert render_chunk(chunk, True).decode().splitlines()[1] == "2024-01-02T03:04:05.500000000Z from docker"


def test_a_torn_last_line_is_ignored_by_readers_and_closed_by_the_next_writer(tmp_path):
    path = tmp_path / "c.log"
    _write(path, ["one\n", "two\n"])
    with open(path, "ab") as fh:
        fh.write(b'{"time":"2023-11-14T22:13:2')  # a crash mid-write
    assert _texts(read_logs(path, tail=1)) == ["two"]
    _write(path, ["three\n"], start_s=5)
    assert _texts(read_logs(path)) == ["one", "two", "three"]
