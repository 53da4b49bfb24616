"""Log files: docker json-file entries, long-line splitting, rotation, options, and the entry codec."""

from __future__ import annotations

import json

import pytest

from runtime.supervise.errors import PolicyError
from runtime.supervise.logread import log_files, read_logs
from runtime.supervise.logs import LogEntry, LogOptions, LogWriter, decode_line, encode_entry, normalize_time


class Clock:
    def __init__(self, start: int = 1_700_000_000_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1000
        return self.now


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_entries_are_docker_json_file_lines(tmp_path):
    writer = LogWriter(tmp_path / "c.log", clock=lambda: 1_700_000_000_123_456_789)
    writer.write("stdout", b"hello\nwor")
    writer.write("stderr", b"oops\n")
    writer.write("stdout", b"ld\n")
    writer.close()
    assert _lines(tmp_path / "c.log") == [
        {"time": "2023-11-14T22:13:20.123456789Z", "stream": "stdout", "log": "hello\n"},
        {"time": "2023-11-14T22:13:20.123456789Z", "stream": "stderr", "log": "oops\n"},
        {"time": "2023-11-14T22:13:20.123456789Z", "stream": "stdout", "log": "world\n"},
    ]


def test_unterminated_last_line_is_flushed_without_newline(tmp_path):
    writer = LogWriter(tmp_path / "c.log", clock=Clock())
    writer.write("stdout", b"no newline")
    writer.close()
    assert [e["log"] for e in _lines(tmp_path / "c.log")] == ["no newline"]


def test_lines_longer_than_16k_are_split_like_docker(tmp_path):
    writer = LogWriter(tmp_path / "c.log", clock=Clock())
    writer.write("stdout", b"a" * 40000 + b"\n")
    writer.close()
    logs = [e["log"] for e in _lines(tmp_path / "c.log")]
    assert [len(x) for x in logs] == [16384, 16384, 7233] and logs[-1].endswith("\n")
    assert "".join(logs) == "a" * 40000 + "\n"


def test_invalid_utf8_and_escapes_survive_a_round_trip(tmp_path):
    writer = LogWriter(tmp_path / "c.log", clock=Clock())
    writer.write("stdout", 'tab\there "quoted" \\ é\n'.encode() + b"\xff\n")
    writer.close()
    assert [e.log for e in read_logs(tmp_path / "c.log")] == ['tab\there "quoted" \\ é\n', "\ufffd\n"]


def test_rotation_keeps_max_file_files_of_at_most_max_size(tmp_path):
    path = tmp_path / "c.log"
    writer = LogWriter(path, LogOptions.build("json-file", {"max-size": "1k", "max-file": "3"}), clock=Clock())
    for i in range(100):
        writer.write("stdout", f"line {i:03d}\n".encode())
    writer.close()
    files = log_files(path)
    assert files == [f"{path}.2", f"{path}.1", str(path)]
    assert all((tmp_path / f).stat().st_size <= 1024 for f in files)
    text = [e.log for e in read_logs(path)]
    assert text[-1] == "line 099\n" and text == sorted(text) and len(text) < 100


def test_max_file_1_truncates_in_place(tmp_path):
    path = tmp_path / "c.log"
    writer = LogWriter(path, LogOptions.build(None, {"max-size": "1k", "max-file": 1}), clock=Clock())
    for i in range(100):
        writer.write("stdout", f"line {i:03d}\n".encode())
    writer.close()
    assert log_files(path) == [str(path)] and path.stat().st_size <= 1024


def test_writer_appends_to_an_existing_file_after_a_restart(tmp_path):
    path = tmp_path / "c.log"
    for run in ("first\n", "second\n"):
        writer = LogWriter(path, clock=Clock())
        writer.write("stdout", run.encode())
        writer.close()
    assert [e.log for e in read_logs(path)] == ["first\n", "second\n"]


def test_driver_none_writes_nothing(tmp_path):
    writer = LogWriter(tmp_path / "c.log", LogOptions.build("none"))
    writer.write("stdout", b"x\n")
    writer.close()
    assert not (tmp_path / "c.log").exists()


def test_default_options():
    assert LogOptions.build() == LogOptions("json-file", 10 << 20, 3)


@pytest.mark.parametrize(("driver", "options", "match"), [
    ("syslog", {}, "logging.driver"),
    ("json-file", {"max-size": "big"}, "max-size"),
    ("json-file", {"max-file": "0"}, "max-file"),
])
def test_bad_logging_options_are_named(driver, options, match):
    with pytest.raises(PolicyError, match=match):
        LogOptions.build(driver, options)


def test_decode_reads_our_lines_and_foreign_docker_lines():
    ours = encode_entry("stderr", "x\n", 5)
    assert decode_line(ours) == LogEntry("1970-01-01T00:00:00.000000005Z", "stderr", "x\n")
    docker = b'{"log":"hi \\u003c\\n","stream":"stdout","time":"2024-01-02T03:04:05.5Z"}\n'
    assert decode_line(docker) == LogEntry("2024-01-02T03:04:05.500000000Z", "stdout", "hi <\n")


def test_decode_skips_torn_lines():
    assert decode_line(b'{"time":"2024-01-02T03:0') is None


def test_normalize_time_converts_offsets_to_utc():
    assert normalize_time("2024-01-02T05:04:05.25+02:00") == "2024-01-02T03:04:05.250000000Z"
    assert normalize_time("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05.000000000Z"
