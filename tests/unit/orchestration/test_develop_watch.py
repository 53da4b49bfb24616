"""``develop.watch`` rules (compose/develop.py): parsing and its errors, ignore/include patterns, change detection
by polling, and each action applied to the service's running containers (fake runtime)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from compose import develop
from compose.errors import ComposeError
from tests.support.fake_runtime import FakeRuntime
from tests.support.orchestration import deploy, stack


def project(src: Path, rules: str):
    return stack(f"services:\n  web:\n    image: x\n    develop:\n      watch: {rules.replace('SRC', str(src))}\n"
                 "  db:\n    image: y\n")


def test_rules_are_read_with_paths_from_the_project_directory(tmp_path):
    p = project(tmp_path, "[{action: sync, path: SRC, target: /app, ignore: [node_modules/]},"
                          " {action: rebuild, path: ./package.json},"
                          " {action: sync+exec, path: SRC, target: /app, exec: {command: make reload}}]")
    sync, rebuild, hook = develop.rules_of(p)
    assert (sync.service, sync.action, sync.path, sync.target, sync.ignore) == (
        "web", "sync", tmp_path, "/app", ("node_modules/",))
    assert rebuild.path == Path(p.working_dir) / "package.json"
    assert hook.command == ("/bin/sh", "-c", "make reload")
    assert develop.rules_of(p, ("db",)) == []


@pytest.mark.parametrize("rules, message", [
    ("[{action: sync, path: SRC}]", "action sync needs a target"),
    ("[{action: sync, path: SRC, target: app}]", "must be an absolute container path"),
    ("[{action: sync+exec, path: SRC, target: /app}]", "sync+exec needs exec.command"),
])
def test_a_rule_that_cannot_work_names_the_service_and_the_fix(tmp_path, rules, message):
    pattern = re.escape("service 'web': develop.watch[0]: ") + ".*" + re.escape(message)
    with pytest.raises(ComposeError, match=pattern):
        develop.rules_of(project(tmp_path, rules))


def test_patterns_match_a_path_or_a_directory_above_it():
    assert develop.matches("node_modules/x/y.js", "node_modules/")
    assert develop.matches("src/a.pyc", "**/*.pyc") and develop.matches("a.pyc", "**/*.pyc")
    assert develop.matches("build/out.txt", "./build")
    assert not develop.matches("src/a.py", "*.pyc") and not develop.matches("srcx/a", "src")
    assert develop.matches("docs/a.md", "docs/*.md") and not develop.matches("docs/x/a.md", "docs/*.md")


def test_changes_new_files_and_removals_are_found_and_ignored_paths_are_not(tmp_path):
    (tmp_path / "keep.txt").write_text("1")
    (tmp_path / "tmp").mkdir()
    rule = develop.Rule("web", "sync", tmp_path, "/app", ignore=("tmp/",))
    before = develop.snapshot(rule)
    assert set(before) == {"keep.txt"}
    (tmp_path / "keep.txt").write_text("22")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "new.txt").write_text("n")
    (tmp_path / "tmp" / "scratch").write_text("x")
    changed, removed = develop.diff(before, develop.snapshot(rule))
    assert (changed, removed) == (["keep.txt", "sub", "sub/new.txt"], [])
    after = develop.snapshot(rule)
    (tmp_path / "sub" / "new.txt").unlink()
    assert develop.diff(after, develop.snapshot(rule)) == ([], ["sub/new.txt"])


def _watcher(rt, p, said):
    return develop.Watcher(rt, "p", develop.rules_of(p), lambda name: said.append(f"rebuild {name}"), said.append,
                           interval=0)


def test_sync_copies_into_running_containers_and_deletes_what_was_removed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("one")
    rt, p, said = FakeRuntime(), project(src, "[{action: sync+restart, path: SRC, target: /app}]"), []
    rt.fs_base = tmp_path / "roots"
    deploy(rt, p, "web", 1)
    deploy(rt, p, "web", 2, state="exited")
    w = _watcher(rt, p, said)
    (src / "a.txt").write_text("second")  # another size: the same coarse mtime tick may follow the snapshot
    (src / "b.txt").write_text("b")
    assert w.poll() == 1
    (running,) = [i for i in rt.containers() if i.name == "p-web-1"]
    root = rt.fs_base / running.id
    assert (root / "app" / "a.txt").read_text() == "second" and (root / "app" / "b.txt").read_text() == "b"
    assert not any((rt.fs_base / i.id).exists() for i in rt.containers() if i.name == "p-web-2")
    assert rt.calls[-1] == "restart p-web-1"
    (src / "b.txt").unlink()
    assert w.poll() == 1 and not (root / "app" / "b.txt").exists()
    assert w.poll() == 0
    assert said == ["Syncing service 'web' after 2 changes were detected", "service 'web' restarted",
                    "Syncing service 'web' after 1 changes were detected", "service 'web' restarted"]


def test_a_container_link_cannot_send_a_sync_to_the_host(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    outside = tmp_path / "host-etc"
    outside.mkdir()
    rt, p, said = FakeRuntime(), project(src, "[{action: sync, path: SRC, target: /app}]"), []
    rt.fs_base = tmp_path / "roots"
    deploy(rt, p, "web", 1)
    (info,) = rt.containers()
    root = rt.fs_base / info.id
    root.mkdir(parents=True)
    os.symlink(str(outside), root / "app")  # absolute: inside the container it means <root>/<outside>
    w = _watcher(rt, p, said)
    (src / "x").write_text("x")
    w.poll()
    assert list(outside.iterdir()) == []
    assert (root / str(outside).lstrip("/") / "x").read_text() == "x"


def test_initial_sync_exec_and_rebuild(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "seed").write_text("s")
    rules = ("[{action: sync+exec, path: SRC, target: /app, initial_sync: true, exec: {command: [kill, -HUP, '1']}},"
             " {action: rebuild, path: SRC/Dockerfile}]")
    rt, p, said = FakeRuntime(), project(src, rules), []
    rt.fs_base = tmp_path / "roots"
    deploy(rt, p, "web", 1)
    (info,) = rt.containers()
    w = _watcher(rt, p, said)
    w.start()
    assert (rt.fs_base / info.id / "app" / "seed").read_text() == "s"
    assert rt.calls[-1] == "exec p-web-1 kill -HUP 1"
    (src / "Dockerfile").write_text("FROM x")
    w.poll()
    assert said[-1] == "rebuild web"


def test_a_link_planted_where_a_synced_file_goes_is_replaced_not_written_through(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    host_file = tmp_path / "host-passwd"
    host_file.write_text("root:x:0:0\n")
    rt, p, said = FakeRuntime(), project(src, "[{action: sync, path: SRC, target: /app}]"), []
    rt.fs_base = tmp_path / "roots"
    deploy(rt, p, "web", 1)
    (info,) = rt.containers()
    app = rt.fs_base / info.id / "app"
    app.mkdir(parents=True)
    os.symlink("../../../host-passwd", app / "a.txt")  # relative: it would reach the host file if followed
    w = _watcher(rt, p, said)
    (src / "a.txt").write_text("synced\n")
    w.poll()
    assert host_file.read_text() == "root:x:0:0\n"
    assert not (app / "a.txt").is_symlink() and (app / "a.txt").read_text() == "synced\n"
