"""`dockyard image ...`, `container ...`, `images`, `pull`: thin CLI over the runtime contract."""

from __future__ import annotations

import json


def test_pull_pulls_each_service_image_once(dy):
    result = dy("pull")
    assert result.exit_code == 0, result.output
    assert sorted(dy.rt.images.pulled) == ["nginx", "postgres"]


def test_pull_failure_is_an_error_unless_ignored(dy):
    from runtime import RegistryError

    dy.rt.images.pull_errors["nginx"] = RegistryError("registry-1.example: connection refused")
    failed = dy("pull")
    assert failed.exit_code == 1
    assert "service web: pull nginx: registry-1.example: connection refused" in failed.stderr
    ignored = dy("pull", "--ignore-pull-failures")
    assert ignored.exit_code == 0 and "warning: service web: pull nginx" in ignored.stderr


def test_pull_policy_missing_skips_present_images(dy):
    dy.rt.images.add("nginx")
    dy("pull", "--policy", "missing")
    assert dy.rt.images.pulled == ["postgres"]


def test_up_pulls_missing_images_before_creating(dy):
    dy("up", "-d")
    assert sorted(dy.rt.images.pulled) == ["nginx", "postgres"]


def test_images_lists_the_images_the_project_uses(dy):
    dy("up", "-d")
    rows = json.loads(dy("images", "--format", "json").stdout)
    assert sorted((r["ContainerName"], r["Repository"], r["Tag"]) for r in rows) == [
        ("demo-db-1", "postgres", "latest"), ("demo-web-1", "nginx", "latest")]


def test_image_ls_lists_the_local_store(dy):
    dy.rt.images.add("busybox:1.36")
    out = dy("image", "ls").stdout.splitlines()
    assert out[0].split()[:3] == ["REPOSITORY", "TAG", "IMAGE"]
    assert out[1].split()[:2] == ["busybox", "1.36"]


def test_image_rm_reports_what_was_untagged(dy):
    dy.rt.images.add("busybox:1.36")
    result = dy("image", "rm", "busybox:1.36")
    assert result.exit_code == 0 and "Untagged: busybox:1.36" in result.stdout


def test_image_inspect_of_a_missing_image_is_one_error_line(dy):
    result = dy("image", "inspect", "nope")
    assert result.exit_code == 1
    assert result.stderr == "error: image nope: not found in the local store\n"


def test_container_run_detached_creates_starts_and_prints_the_id(dy):
    dy.rt.images.add("busybox")
    result = dy("container", "run", "-d", "--name", "one", "-e", "A=1", "-p", "8080:80", "busybox", "sleep", "9")
    assert result.exit_code == 0, result.output
    box = dy.rt._find("one")
    assert result.stdout.strip() == box.id and box.state == "running"
    assert box.spec.command == ("sleep", "9") and box.spec.environment == (("A", "1"),)
    assert box.spec.ports[0].host_port == 8080


def test_container_run_attached_returns_the_exit_code_and_rm_removes_it(dy):
    dy.rt.images.add("busybox")
    dy.rt.behave("two", logs=("hi",), exit_code=4)
    result = dy("container", "run", "--rm", "--name", "two", "busybox", "false")
    assert result.exit_code == 4
    assert result.stdout == "hi\n"
    assert dy.rt.names() == []


def test_container_ls_and_stop(dy):
    dy("up", "-d")
    assert "demo-web-1" in dy("container", "ls").stdout
    assert dy("container", "stop", "demo-web-1").exit_code == 0
    assert dy.rt.state_of("demo-web-1") == "exited"


def test_pull_never_with_a_missing_image_fails_before_creating_anything(dy):
    result = dy("up", "-d", "--pull", "never")
    assert result.exit_code == 1 and "pull_policy is never" in result.stderr
    assert dy.rt.names() == []


def test_pull_always_pulls_even_present_images(dy):
    dy.rt.images.add("nginx")
    dy.rt.images.add("postgres")
    dy("up", "-d", "--pull", "always")
    assert sorted(dy.rt.images.pulled) == ["nginx", "postgres"]


def test_quiet_pull_hides_pull_progress(dy):
    result = dy("up", "-d", "--quiet-pull")
    assert "Pulling" not in result.stderr and "Container demo-web-1  Started" in result.stderr


def test_exec_passes_the_command_and_its_own_flags_through(dy):
    dy("up", "-d")
    result = dy("exec", "-T", "-e", "A=1", "web", "sh", "-c", "echo hi")
    assert result.exit_code == 0, result.output
    assert "exec demo-web-1 sh -c echo hi" in dy.rt.calls
