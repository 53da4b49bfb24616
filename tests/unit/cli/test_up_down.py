"""`dockyard up` / `down` / `create`: flags become options and the runtime ends up as asked."""

from __future__ import annotations


def test_up_detached_creates_and_starts_every_service_and_reports_progress(dy):
    result = dy("up", "-d")
    assert result.exit_code == 0, result.output
    assert dy.rt.names() == ["demo-db-1", "demo-web-1"]
    assert dy.rt.state_of("demo-web-1") == "running"
    assert "Container demo-web-1  Started" in result.stderr


def test_dry_run_prints_the_plan_and_changes_nothing(dy):
    result = dy("--dry-run", "up", "-d")
    assert result.exit_code == 0, result.output
    assert result.stdout == "create network demo_default\ncreate container demo-db-1\ncreate container demo-web-1\n"
    assert dy.rt.names() == []


def test_a_second_up_changes_nothing(dy):
    dy("up", "-d")
    dy.rt.calls.clear()
    assert dy("up", "-d").exit_code == 0
    assert dy.rt.calls == []


def test_scale_flag_sets_the_replica_count(dy):
    assert dy("up", "-d", "--scale", "db=2").exit_code == 0
    assert dy.rt.names() == ["demo-db-1", "demo-db-2", "demo-web-1"]


def test_no_deps_starts_only_the_named_service(dy):
    assert dy("up", "-d", "--no-deps", "web").exit_code == 0
    assert dy.rt.names() == ["demo-web-1"]


def test_create_makes_containers_without_starting_them(dy):
    assert dy("create").exit_code == 0
    assert dy.rt.state_of("demo-db-1") == "created"


def test_an_unknown_service_is_one_error_line_with_exit_code_1(dy):
    result = dy("up", "-d", "nosuch")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no such service: nosuch")
    assert result.stderr.count("\n") == 1


def test_incompatible_recreate_flags_are_refused(dy):
    assert dy("up", "-d", "--force-recreate", "--no-recreate").exit_code == 2


def test_down_removes_containers_and_network(dy):
    dy("up", "-d")
    result = dy("down")
    assert result.exit_code == 0, result.output
    assert dy.rt.names() == [] and dy.rt.nets == {}
    assert dy.rt.calls.index("stop demo-web-1") < dy.rt.calls.index("stop demo-db-1")


def test_down_works_with_only_a_project_name_and_no_compose_file(dy):
    dy("up", "-d")
    (dy.dir / "compose.yaml").unlink()
    result = dy("-p", "demo", "down")
    assert result.exit_code == 0, result.output
    assert dy.rt.names() == [] and dy.rt.nets == {}


def test_down_volumes_removes_named_volumes(dy):
    dy.write("services: {a: {image: x, volumes: ['data:/d']}}\nvolumes: {data: {}}")
    dy("-p", "v", "up", "-d")
    assert dy("-p", "v", "down", "-v").exit_code == 0
    assert dy.rt.vols == {}


def test_attached_up_prints_prefixed_output_and_exits_with_the_exit_code_from_service(dy):
    dy.rt.behave("db", logs=("ready",))
    dy.rt.behave("web", logs=("hello",), exit_code=3, exit_after=1)
    result = dy("up", "--exit-code-from", "web")
    assert result.exit_code == 3, result.output
    assert "web-1  | hello\n" in result.stdout
    assert "web-1 exited with code 3" in result.stdout


def test_run_starts_dependencies_then_a_one_off_container_and_returns_its_exit_code(dy):
    dy.rt.behave("demo-web-run-1", logs=("migrated",), exit_code=0)
    result = dy("run", "--rm", "web", "echo", "hi")
    assert result.exit_code == 0, result.output
    assert result.stdout == "migrated\n"
    assert "start demo-db-1" in dy.rt.calls and "create demo-web-run-1" in dy.rt.calls
    assert dy.rt.names() == ["demo-db-1"]


def test_run_detached_keeps_the_one_off_with_its_labels_and_no_ports(dy):
    result = dy("run", "-d", "--no-deps", "web")
    assert result.stdout == "demo-web-run-1\n"
    box = dy.rt._find("demo-web-run-1")
    assert dict(box.spec.labels)["com.docker.compose.oneoff"] == "True"
    assert box.spec.ports == ()
    assert "demo-db-1" not in dy.rt.names()


def test_one_off_containers_are_not_orphans_nor_replicas(dy):
    dy("run", "-d", "--no-deps", "web")
    dy.rt.calls.clear()
    result = dy("up", "-d")
    assert "orphan" not in result.stderr
    assert "create demo-web-1" in dy.rt.calls


def test_abort_on_container_exit_stops_everything_when_one_exits(dy):
    dy.rt.behave("db", logs=("db up",), exit_code=0, exit_after=1)
    result = dy("up", "--abort-on-container-exit")
    assert result.exit_code == 0, result.output
    assert "Aborting on container exit..." in result.stderr
    assert dy.rt.state_of("demo-web-1") == "exited"


def test_no_attach_leaves_a_service_out_of_the_output(dy):
    dy.rt.behave("db", logs=("from db",), exit_code=0, exit_after=1)
    dy.rt.behave("web", logs=("from web",), exit_code=0, exit_after=1)
    result = dy("up", "--no-attach", "db", "--no-log-prefix")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "from web"
    assert "from db" not in result.stdout


def test_ctrl_c_while_attached_stops_gracefully_and_a_second_one_kills(dy, monkeypatch):
    from compose import attach, service

    def interrupted(self, stop, **kw):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setattr(attach.Logs, "follow", interrupted)
    result = dy("up")
    assert result.exit_code == 130
    assert "Gracefully stopping... (press Ctrl+C again to force)" in result.stderr
    assert dy.rt.state_of("demo-web-1") == "exited" and "stop demo-web-1" in dy.rt.calls

    dy("up", "-d")

    def impatient(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(service, "stop", impatient)
    result = dy("up")
    assert result.exit_code == 130
    assert "kill demo-web-1 9" in dy.rt.calls


def test_down_without_v_keeps_anonymous_volumes(dy):
    dy("up", "-d")
    dy("down")
    assert "remove demo-web-1" in dy.rt.calls and "remove demo-web-1 -v" not in dy.rt.calls


def test_global_parallel_flag_reaches_up(dy, monkeypatch):
    from compose import service

    seen = {}
    real_up = service.up

    def spy(rt, loaded, opts, emit, **kw):
        seen["parallel"] = opts.parallel
        return real_up(rt, loaded, opts, emit, **kw)

    monkeypatch.setattr(service, "up", spy)
    assert dy("--parallel", "2", "up", "-d").exit_code == 0
    assert seen["parallel"] == 2


def test_scale_sets_replica_counts_and_starts_the_dependencies(dy):
    assert dy("up", "-d").exit_code == 0
    first = dy.rt.names()
    result = dy("scale", "web=3")
    assert result.exit_code == 0, result.output
    assert dy.rt.names() == ["demo-db-1", "demo-web-1", "demo-web-2", "demo-web-3"]
    assert all(dy.rt.state_of(n) == "running" for n in dy.rt.names())
    assert "Container demo-web-3  Started" in result.stderr
    assert dy("scale", "web=1").exit_code == 0
    assert dy.rt.names() == first


def test_scale_with_no_deps_touches_only_the_named_service(dy):
    assert dy("scale", "--no-deps", "web=2").exit_code == 0
    assert dy.rt.names() == ["demo-web-1", "demo-web-2"]


def test_scale_refuses_a_bad_argument_or_an_unknown_service_and_changes_nothing(dy):
    bad = dy("scale", "web")
    assert bad.exit_code == 2 and "use SERVICE=NUM" in bad.output
    unknown = dy("scale", "nosuch=2")
    assert unknown.exit_code != 0 and "nosuch" in unknown.output
    assert dy.rt.names() == []
