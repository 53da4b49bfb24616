"""`dockyard ps`, `logs`, `ls` and the smaller verbs: output formats as Docker Compose's."""

from __future__ import annotations

import json


def test_ps_table_has_docker_compose_columns(dy):
    dy("up", "-d")
    lines = dy("ps").stdout.splitlines()
    assert lines[0].split() == ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]
    web = next(line for line in lines if line.startswith("demo-web-1"))
    assert "nginx" in web and "Up " in web and "0.0.0.0:8080->80/tcp" in web


def test_ps_json_carries_docker_compose_fields_plus_restart_count(dy):
    dy.rt.behave("db", health=("healthy",))
    dy("up", "-d")
    rows = json.loads(dy("ps", "--format", "json").stdout)
    web = next(r for r in rows if r["Service"] == "web")
    assert {"Name", "Service", "State", "Health", "ExitCode", "Publishers", "Project", "Command", "Image",
            "Created", "Status", "RestartCount", "ID"} <= set(web)
    assert (web["Name"], web["Project"], web["State"], web["RestartCount"]) == ("demo-web-1", "demo", "running", 0)
    assert web["Publishers"] == [{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}]


def test_ps_jsonl_prints_one_object_per_line(dy):
    dy("up", "-d")
    lines = dy("ps", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["Name"] for line in lines] == ["demo-db-1", "demo-web-1"]


def test_ps_hides_stopped_containers_unless_all(dy):
    dy("up", "-d")
    dy.rt.set_state("demo-db-1", "exited", 2)
    assert "demo-db-1" not in dy("ps").stdout
    row = [line for line in dy("ps", "-a").stdout.splitlines() if line.startswith("demo-db-1")][0]
    assert "Exited (2)" in row


def test_ps_status_filter_and_services_and_quiet(dy):
    dy("up", "-d")
    dy.rt.set_state("demo-db-1", "exited", 0)
    assert dy("ps", "--status", "exited", "--services").stdout == "db\n"
    assert dy("ps", "--filter", "status=running", "-q").stdout.strip() == dy.rt._find("demo-web-1").id


def test_ps_rejects_an_unknown_format_and_status(dy):
    assert dy("ps", "--format", "xml").exit_code == 2
    result = dy("ps", "--status", "sleeping")
    assert result.exit_code == 1 and "invalid status 'sleeping'" in result.stderr


def test_ps_json_shows_health_and_restart_count(dy):
    dy("up", "-d")
    dy.rt.behave("db", health=("healthy",))
    dy.rt._find("demo-db-1").health = "healthy"
    dy.rt._find("demo-db-1").restart_count = 2
    db = next(r for r in json.loads(dy("ps", "--format", "json").stdout) if r["Service"] == "db")
    assert (db["Health"], db["RestartCount"]) == ("healthy", 2)
    assert db["Status"].endswith("(healthy), 2 restarts")


def test_logs_merges_services_in_time_order_with_prefixes(dy):
    dy.rt.behave("db", logs=("db one", "db two"))
    dy.rt.behave("web", logs=("web one",))
    dy("up", "-d")
    out = dy("logs", "--no-color").stdout.splitlines()
    assert out == ["db-1   | db one", "web-1  | web one", "db-1   | db two"]


def test_logs_no_log_prefix_tail_and_service_filter(dy):
    dy.rt.behave("db", logs=("a", "b", "c"))
    dy("up", "-d")
    assert dy("logs", "--no-log-prefix", "-n", "1", "db").stdout == "c\n"


def test_ls_lists_running_projects_as_json(dy):
    dy("up", "-d")
    rows = json.loads(dy("ls", "--format", "json").stdout)
    assert rows == [{"Name": "demo", "Status": "running(2)", "ConfigFiles": str(dy.dir / "compose.yaml")}]
    assert dy("ls", "-q").stdout == "demo\n"


def test_stop_then_start(dy):
    dy("up", "-d")
    assert dy("stop").exit_code == 0
    assert dy.rt.state_of("demo-web-1") == "exited"
    assert dy("start").exit_code == 0
    assert dy.rt.state_of("demo-web-1") == "running"


def test_kill_sends_the_named_signal(dy):
    dy("up", "-d")
    assert dy("kill", "-s", "SIGTERM", "web").exit_code == 0
    assert "kill demo-web-1 15" in dy.rt.calls


def test_kill_with_a_bad_signal_is_an_error(dy):
    dy("up", "-d")
    result = dy("kill", "-s", "SIGNOPE")
    assert result.exit_code == 1 and "invalid signal 'SIGNOPE'" in result.stderr


def test_rm_force_removes_only_stopped_containers(dy):
    dy("up", "-d")
    dy.rt.set_state("demo-db-1", "exited", 0)
    assert dy("rm", "-f").exit_code == 0
    assert dy.rt.names() == ["demo-web-1"]


def test_port_prints_the_published_address(dy):
    dy("up", "-d")
    assert dy("port", "web", "80").stdout == "0.0.0.0:8080\n"


def test_pause_and_unpause(dy):
    dy("up", "-d")
    dy("pause", "web")
    assert dy.rt.state_of("demo-web-1") == "paused"
    dy("unpause", "web")
    assert dy.rt.state_of("demo-web-1") == "running"


def test_restart_of_a_dependency_restarts_dependents_that_asked_for_it(dy):
    dy.write("""
name: demo
services:
  web: {image: x, depends_on: {db: {condition: service_started, restart: true}}}
  db: {image: y}
  other: {image: z, depends_on: [db]}
""")
    dy("up", "-d")
    dy.rt.calls.clear()
    assert dy("restart", "db").exit_code == 0
    assert dy.rt.calls == ["restart demo-db-1", "restart demo-web-1"]


def test_top_lists_processes_per_running_container(dy):
    dy("up", "-d")
    out = dy("top", "web").stdout.splitlines()
    assert out[0] == "demo-web-1"
    assert out[1].split() == ["UID", "PID", "PPID", "CMD"]


def test_wait_blocks_until_exit_and_returns_the_exit_code(dy):
    dy.rt.behave("web", exit_code=6, exit_after=3)
    dy("up", "-d")
    result = dy("wait", "web")
    assert result.exit_code == 6 and result.stdout == "6\n"


def test_down_rmi_all_removes_the_services_images(dy):
    dy("up", "-d")
    assert dy("down", "--rmi", "all").exit_code == 0
    assert sorted(dy.rt.images.removed) == ["nginx", "postgres"]


def test_ls_all_includes_stopped_projects(dy):
    dy("up", "-d")
    dy("stop")
    assert dy("ls", "-q").stdout == ""
    assert dy("ls", "-a", "-q").stdout == "demo\n"
