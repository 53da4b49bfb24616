"""The facade's container verbs on a real busybox container: create, start, stop, remove, ps, logs, wait."""

from __future__ import annotations

import pytest

from runtime import ContainerSpec, RestartSpec, StateError
from tests.support.eventually import eventually
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command or None, network_mode=kw.pop("network_mode", "none"), **kw)


def test_create_records_a_created_container_with_the_merged_command(rt):
    info = rt.create_container(spec("one", "echo", "hi", labels=(("app", "x"),)))
    assert (info.state, info.name, info.command) == ("created", "one", ("echo", "hi"))
    assert info.label_dict() == {"app": "x"} and len(info.id) == 64


def test_image_cmd_is_used_when_the_spec_gives_none(rt):
    assert rt.create_container(spec("two")).command == ("sh",)


def test_start_runs_the_command_and_wait_returns_its_exit_code(rt):
    cid = rt.create_container(spec("exit3", "sh", "-c", "exit 3")).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 3
    info = rt.container(cid)
    assert (info.state, info.exit_code) == ("exited", 3) and info.finished_at


def test_output_goes_to_the_log_in_order_with_streams(rt):
    cid = rt.create_container(spec("talker", "sh", "-c", "echo out1; echo err1 >&2; echo out2")).id
    rt.start_container(cid)
    rt.wait_container(cid, timeout=30)
    lines = list(rt.logs(cid))
    assert [(line.stream, line.text) for line in lines if line.stream == "stdout"] == [
        ("stdout", "out1\n"), ("stdout", "out2\n")]
    assert ("stderr", "err1\n") in [(line.stream, line.text) for line in lines]
    assert {line.container for line in lines} == {cid}


def test_follow_yields_lines_as_they_are_written_until_the_container_exits(rt):
    cid = rt.create_container(spec("ticker", "sh", "-c", "for i in 1 2 3; do echo tick$i; sleep 0.2; done")).id
    rt.start_container(cid)
    texts = [line.text for line in rt.logs(cid, follow=True)]
    assert texts == ["tick1\n", "tick2\n", "tick3\n"]


def test_stop_ends_a_running_container_with_its_signal(rt):
    cid = rt.create_container(spec("sleeper", "sleep", "300", init=True)).id  # init: sleep is not pid 1
    started = rt.start_container(cid)
    assert started.state == "running" and started.pid
    stopped = rt.stop_container(cid, timeout=5)
    assert stopped.state == "exited" and stopped.exit_code == 143


def test_stop_kills_after_the_grace_period_when_the_signal_is_ignored(rt):
    cid = rt.create_container(spec("stubborn", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done")).id
    rt.start_container(cid)
    assert rt.stop_container(cid, timeout=0.5).exit_code == 137


def test_names_and_id_prefixes_address_containers(rt):
    info = rt.create_container(spec("named", "true"))
    assert rt.container("named").id == info.id
    assert rt.container(info.id[:10]).id == info.id


def test_a_name_can_be_used_once(rt):
    rt.create_container(spec("dup", "true"))
    with pytest.raises(Exception, match="already in use"):
        rt.create_container(spec("dup", "true"))


def test_running_containers_cannot_be_removed_without_force(rt):
    cid = rt.create_container(spec("busy", "sleep", "300")).id
    rt.start_container(cid)
    with pytest.raises(StateError):
        rt.remove_container(cid)
    rt.remove_container(cid, force=True)
    assert rt.containers() == []


def test_containers_filters_by_labels_and_running_state(rt):
    a = rt.create_container(spec("a", "sleep", "300", labels=(("proj", "p1"),))).id
    rt.create_container(spec("b", "true", labels=(("proj", "p1"),)))
    rt.create_container(spec("c", "true", labels=(("proj", "p2"),)))
    rt.start_container(a)
    assert sorted(i.name for i in rt.containers({"proj": "p1"})) == ["a", "b"]
    assert [i.name for i in rt.containers({"proj": "p1"}, all=False)] == ["a"]


def test_on_failure_restarts_up_to_the_limit(rt):
    cid = rt.create_container(spec("flaky", "sh", "-c", "echo run; exit 1",
                                   restart=RestartSpec("on-failure", max_attempts=2))).id
    rt.start_container(cid)
    eventually(lambda: rt.container(cid).restart_count == 2 and rt.container(cid).state == "exited", timeout=20)
    assert [line.text for line in rt.logs(cid)] == ["run\n"] * 3


def test_a_stopped_container_starts_again(rt):
    cid = rt.create_container(spec("again", "sh", "-c", "echo go")).id
    rt.start_container(cid)
    rt.wait_container(cid, timeout=30)
    rt.start_container(cid)
    eventually(lambda: len(list(rt.logs(cid))) == 2)


def test_inspect_shows_dockers_fields(rt):
    cid = rt.create_container(spec("insp", "sleep", "300", environment=(("A", "1"),))).id
    rt.start_container(cid)
    doc = rt.inspect_container(cid)
    assert doc["Name"] == "/insp" and doc["State"]["Running"] and doc["State"]["Pid"] > 0
    assert doc["Path"] == "sleep" and doc["Args"] == ["300"]
    assert doc["Config"]["Env"] == ["A=1"]


def test_exec_runs_inside_the_container(rt, capfd):
    cid = rt.create_container(spec("ex", "sleep", "300", hostname="inside")).id
    rt.start_container(cid)
    assert rt.exec(cid, ["sh", "-c", "hostname; echo $FROM_IMAGE; exit 4"]) == 4
    assert capfd.readouterr().out.split() == ["inside", "1"]


def test_exec_takes_user_workdir_and_environment(rt, capfd):
    cid = rt.create_container(spec("ex2", "sleep", "300")).id
    rt.start_container(cid)
    code = rt.exec(cid, ["sh", "-c", "id -u; pwd; echo $EXTRA"], user="1000", workdir="/tmp", env=(("EXTRA", "yes"),))
    assert (code, capfd.readouterr().out.split()) == (0, ["1000", "/tmp", "yes"])


def test_logs_of_several_containers_are_merged_in_time_order(rt):
    first = rt.create_container(spec("first", "echo", "one")).id
    second = rt.create_container(spec("second", "echo", "two")).id
    for cid in (first, second):
        rt.start_container(cid)
        rt.wait_container(cid, timeout=30)
    lines = list(rt.logs([second, first]))
    assert [(line.container, line.text) for line in lines] == [(first, "one\n"), (second, "two\n")]


def test_top_lists_the_container_processes(rt):
    cid = rt.create_container(spec("topper", "sleep", "300")).id
    rt.start_container(cid)
    assert [(p["UID"], p["CMD"]) for p in rt.top(cid)] == [("root", "sleep 300")]


def test_run_attached_passes_output_through_and_returns_the_exit_code(rt, capfd):
    code = rt.run(spec("fg", "sh", "-c", "echo hello; echo oops >&2; exit 7"), remove=True)
    out = capfd.readouterr()
    assert (code, out.out, out.err) == (7, "hello\n", "oops\n")
    assert rt.containers() == []


def test_an_attached_run_is_logged_and_recorded(rt, capfd):
    assert rt.run(spec("fg2", "echo", "logged")) == 0
    info = rt.container("fg2")
    assert (info.state, info.exit_code) == ("exited", 0)
    assert [line.text for line in rt.logs("fg2")] == ["logged\n"]


def test_a_detached_run_with_remove_is_gone_once_it_exited(rt):
    assert rt.run(spec("bg", "sh", "-c", "exit 5"), attach=False, remove=True) == 0
    assert rt.wait_container("bg", timeout=30) == 5
    assert rt.containers() == []
