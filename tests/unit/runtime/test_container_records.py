"""Container records, the status state machine, volumes on disk and the monitor job of a container (no root)."""

from __future__ import annotations

import os

import pytest

from runtime import containers as cs
from runtime import supervision
from runtime.errors import ContainerError, ContainerNotFoundError, VolumeError
from runtime.types import VolumeSpec
from runtime.volumes import VolumeService, copy_tree


def record(store: cs.ContainerStore, name: str, cid: str | None = None) -> dict:
    rec = cs.new_record(cid or cs.new_id(), name, "img", "sha256:" + "0" * 64, {"proj": "p"})
    store.add(rec)
    return rec


@pytest.mark.parametrize("state,start,stop,pause,remove", [
    ("created", True, False, False, True), ("running", False, True, True, False),
    ("paused", False, True, False, False), ("restarting", False, True, False, False),
    ("exited", True, False, False, True), ("dead", True, False, False, True),
])
def test_status_state_machine(state, start, stop, pause, remove):
    assert (cs.can_start(state), cs.can_stop(state), cs.can_pause(state), cs.can_remove(state, False)) == \
        (start, stop, pause, remove)
    assert cs.can_remove(state, True)


def test_containers_are_found_by_name_id_and_unique_prefix(tmp_path):
    store = cs.ContainerStore(tmp_path)
    a = record(store, "web", "abc1" + "0" * 60)
    record(store, "db", "abc2" + "0" * 60)
    assert store.resolve("web") == a["id"] == store.resolve(a["id"]) == store.resolve("abc1")
    with pytest.raises(ContainerError, match="ambiguous"):
        store.resolve("abc")
    with pytest.raises(ContainerNotFoundError):
        store.resolve("nope")


def test_a_name_is_reserved_until_its_container_is_deleted(tmp_path):
    store = cs.ContainerStore(tmp_path)
    rec = record(store, "web")
    with pytest.raises(ContainerError, match="already in use"):
        record(store, "web")
    store.delete(rec["id"], "web")
    assert record(store, "web")["name"] == "web"


def test_invalid_names_are_refused(tmp_path):
    with pytest.raises(ContainerError, match="invalid name"):
        record(cs.ContainerStore(tmp_path), "-bad name")


def test_update_changes_the_record_on_disk(tmp_path):
    store = cs.ContainerStore(tmp_path)
    rec = record(store, "web")
    store.update(rec["id"], lambda r: r.update(state=cs.RUNNING, pid=42))
    info = cs.to_info(store.read(rec["id"]))
    assert (info.state, info.pid, info.label_dict()) == ("running", 42, {"proj": "p"})


def test_generated_ids_never_have_an_all_digit_short_id():
    assert all(not cs.new_id()[:12].isdigit() for _ in range(200))


def test_volume_create_is_idempotent_and_lists_by_labels(tmp_path):
    vols = VolumeService(tmp_path)
    first = vols.create(VolumeSpec("data", labels=(("proj", "p"),)))
    again = vols.create(VolumeSpec("data"))
    assert first == again and first.mountpoint == str(tmp_path / "volumes" / "data" / "_data")
    vols.create(VolumeSpec("other"))
    assert [v.name for v in vols.list({"proj": "p"})] == ["data"]


def test_volumes_in_use_are_kept_by_remove_and_prune(tmp_path):
    vols = VolumeService(tmp_path, in_use=lambda: {"used"})
    vols.create(VolumeSpec("used"))
    vols.create(VolumeSpec("free"))
    with pytest.raises(VolumeError, match="in use"):
        vols.remove("used")
    assert vols.prune() == ["free"] and [v.name for v in vols.list()] == ["used"]


def test_volume_names_and_drivers_are_checked(tmp_path):
    vols = VolumeService(tmp_path)
    with pytest.raises(VolumeError, match="invalid name"):
        vols.create(VolumeSpec("../x"))
    with pytest.raises(VolumeError, match="driver"):
        vols.create(VolumeSpec("x", driver="nfs"))
    with pytest.raises(VolumeError, match="no such volume"):
        vols.remove("missing")
    assert vols.remove("missing", missing_ok=True) is False


def test_copy_tree_keeps_modes_and_symlinks(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "f").write_text("x")
    os.chmod(src / "sub" / "f", 0o600)
    (src / "link").symlink_to("sub/f")
    dst.mkdir()
    copy_tree(src, dst)
    assert (dst / "sub" / "f").read_text() == "x" and os.stat(dst / "sub" / "f").st_mode & 0o777 == 0o600
    assert os.readlink(dst / "link") == "sub/f"


def test_the_monitor_job_carries_policy_health_and_the_launch_file(tmp_path):
    rec = {"command": ["sh"], "log": {"driver": "json-file", "options": {}},
           "restart": {"policy": "on-failure", "max_attempts": 3, "delay": None, "window": None, "on_unhealthy": True},
           "healthcheck": {"test": ["CMD", "true"], "interval": 1.0, "timeout": 2.0, "retries": 3,
                           "start_period": 0.0, "start_interval": 5.0}}
    job = supervision.job_of(rec, tmp_path, tmp_path / "log", 15, 10.0)
    assert job["restart"] == "on-failure:3" and job["restart_on_unhealthy"]
    assert job["health"]["test"] == ["CMD", "true"] and job["launch"] == str(tmp_path / "launch.json")
    assert job["starter"] == "runtime.starter:start" and job["stop_signal"] == 15


def test_a_fixed_restart_delay_uses_the_deploy_policy():
    rec_restart = {"policy": "always", "max_attempts": 0, "delay": 2.0, "window": None}
    assert supervision._restart(rec_restart) == {"deploy_restart": {
        "condition": "any", "delay": 2.0, "max_attempts": 0, "window": None}}


def test_containers_of_one_project_share_a_monitor(tmp_path):
    a = supervision.monitor_dir(tmp_path, {"com.docker.compose.project": "shop"})
    assert a == supervision.monitor_dir(tmp_path, {"com.docker.compose.project": "shop", "x": "y"})
    assert a != supervision.monitor_dir(tmp_path, {})
