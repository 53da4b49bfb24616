"""`dockyard stats`: CPU from two reads of each container's cgroup counters, memory against its limit, pids."""

from __future__ import annotations

import json

from compose import stats


def test_no_stream_prints_one_table_of_the_running_containers(dy):
    dy("up", "-d")
    result = dy("stats", "--no-stream")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("CONTAINER ID") and "CPU %" in lines[0] and lines[0].endswith("PIDS")
    assert [line.split()[1:7] for line in lines[1:]] == [
        ["demo-db-1", "20.00%", "64MiB", "/", "256MiB", "25.00%"],
        ["demo-web-1", "20.00%", "64MiB", "/", "256MiB", "25.00%"]]


def test_json_rows_carry_docker_stats_fields(dy):
    dy("up", "-d")
    rows = [json.loads(line) for line in dy("stats", "--no-stream", "--format", "json", "web").stdout.splitlines()]
    assert [(r["Name"], r["CPUPerc"], r["MemPerc"], r["PIDs"]) for r in rows] == [
        ("demo-web-1", "20.00%", "25.00%", "3")]


def test_stopped_containers_only_with_all_and_at_zero(dy):
    dy("up", "-d")
    dy("stop", "web")
    assert "demo-web-1" not in dy("stats", "--no-stream").stdout
    out = dy("stats", "--no-stream", "-a", "--format", "json", "web").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["CPUPerc"], r["PIDs"]) for r in rows] == [("0.00%", "0")]


def test_memory_with_no_limit_is_measured_against_the_host():
    before = {"id": "c" * 64, "name": "x", "read_ns": 0, "cpu_ns": 0}
    after = {**before, "read_ns": 10, "cpu_ns": 5, "memory_usage": 1 << 30, "memory_limit": None, "pids": 1}
    row = stats.row(before, after, host_total=4 << 30)
    assert (row["CPUPerc"], row["MemUsage"], row["MemPerc"]) == ("50.00%", "1GiB / 4GiB", "25.00%")
