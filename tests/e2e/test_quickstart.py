"""The quickstart (examples/quickstart) end to end through the real CLI: what a user sees in the first minutes."""

from __future__ import annotations

import re


from tests.e2e.conftest import DOCKYARD_BIN, free_port
from tests.support.e2e import LogFollower, by_service, footprint, http_get, project_state_left, ps_json
from tests.support.eventually import eventually
from tests.support.paths import REPO

QUICKSTART = REPO / "examples" / "quickstart"
PROJECT = "quickstart"
COUNTER = re.compile(r"seen (\d+) times?")


def _count(url: str) -> int:
    match = COUNTER.search(http_get(url))
    assert match, "the page does not show the counter"
    return int(match.group(1))


def test_quickstart_serves_keeps_its_count_logs_and_leaves_nothing(dockyard, e2e_env):
    """The quickstart comes up healthy, counts visits through nginx, keeps the count in its volume across a redis
    restart, shows every service's logs (also live, across the restart), and `down -v` leaves nothing behind."""
    port = free_port()
    env = {"QUICKSTART_PORT": str(port)}
    url = f"http://127.0.0.1:{port}/"
    follower = None
    links: set[str] = set()
    ids: list[str] = []
    try:
        dockyard("up", "-d", "--wait", cwd=QUICKSTART, extra_env=env)
        rows = by_service(ps_json(dockyard("ps", "-a", "--format", "json", cwd=QUICKSTART).stdout))
        ids = [row["ID"] for row in rows.values()]
        assert set(rows) == {"redis", "init", "web", "proxy"}
        assert {s: rows[s]["Health"] for s in ("redis", "web", "proxy")} == dict.fromkeys(
            ("redis", "web", "proxy"), "healthy")
        assert (rows["init"]["State"], rows["init"]["ExitCode"]) == ("exited", 0)
        before = footprint(e2e_env.root, e2e_env.run, PROJECT, ids)
        links = set(before.links)
        assert len(links) == 5, f"expected a bridge and four veths, got {sorted(links)}"

        first = _count(url)
        assert _count(url) == first + 1

        follower = LogFollower([str(DOCKYARD_BIN), "logs", "-f"], {**e2e_env.env, **env}, cwd=QUICKSTART)
        eventually(lambda: "web: listening" in follower.text(), timeout=20)
        seen_before_restart = len(follower.lines)

        dockyard("restart", "redis", cwd=QUICKSTART)
        eventually(lambda: by_service(ps_json(dockyard("ps", "--format", "json", cwd=QUICKSTART).stdout))
                   ["redis"]["Health"] == "healthy", timeout=60)
        assert eventually(lambda: _count(url), timeout=30) == first + 2, "the count did not survive the restart"

        new_lines = lambda: follower.lines[seen_before_restart:]
        eventually(lambda: any(l.startswith("redis-1") and "Ready to accept connections" in l
                               for l in new_lines()), timeout=30)

        logs = dockyard("logs", "--no-color", cwd=QUICKSTART).stdout
        prefixes = {line.split("|")[0].strip() for line in logs.splitlines() if "|" in line}
        assert {"redis-1", "init-1", "web-1", "proxy-1"} <= prefixes
        assert "GET / HTTP" in logs

        dockyard("rm", "-s", "-f", "redis", cwd=QUICKSTART)  # a new redis container: only the volume keeps the count
        dockyard("up", "-d", "--wait", cwd=QUICKSTART, extra_env=env)
        redis = by_service(ps_json(dockyard("ps", "--format", "json", cwd=QUICKSTART).stdout))["redis"]
        assert redis["ID"] != rows["redis"]["ID"]
        ids.append(redis["ID"])
        assert eventually(lambda: _count(url), timeout=30) == first + 3, "the count is not kept in the named volume"
    finally:
        if follower is not None:
            follower.stop()
        dockyard("down", "-v", cwd=QUICKSTART, extra_env=env, check=False)

    def nothing_left():
        left = footprint(e2e_env.root, e2e_env.run, PROJECT, ids, links).nonempty()
        assert not left, f"down -v left on the host: {left}"
        return True

    eventually(nothing_left, timeout=15)
    assert project_state_left(e2e_env.root, PROJECT, ids) == []
    assert dockyard("ps", "-a", "-q", cwd=QUICKSTART).stdout.strip() == ""
    assert PROJECT not in dockyard("ls", "-a", "-q").stdout.split()


ONE_SERVICE = """\
name: tidy
services:
  one:
    image: dockyard.local/debian:bookworm
    init: true
    command: ["sleep", "infinity"]
"""


def test_down_removes_the_projects_monitor_dir(dockyard, e2e_env, tmp_path):
    """After `down -v` the project has no directory left under DOCKYARD_RUN either."""
    (tmp_path / "compose.yaml").write_text(ONE_SERVICE)
    try:
        dockyard("up", "-d", cwd=tmp_path)
        assert (e2e_env.run / "monitors" / "tidy").is_dir()
    finally:
        dockyard("down", "-v", "-t", "1", cwd=tmp_path, check=False)
    eventually(lambda: not (e2e_env.run / "monitors" / "tidy").exists(), timeout=10)
