"""How container records reach and leave the disk: a record and its name appear together, a removed container's
directory goes by way of a trash directory, and what a killed command leaves half-done is ignored or swept."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import pytest

from runtime import containers as cs
from runtime.errors import ContainerError


def record(name: str, cid: str | None = None) -> dict:
    return cs.new_record(cid or cs.new_id(), name, "img", "sha256:" + "0" * 64, {})


def test_a_new_record_is_found_by_name_and_leaves_no_temp_files(tmp_path):
    store = cs.ContainerStore(tmp_path)
    rec = record("web")
    store.add(rec)
    assert store.resolve("web") == rec["id"] and store.read(rec["id"])["name"] == "web"
    assert sorted(os.listdir(store.cdir(rec["id"]))) == ["state.json"]
    assert os.listdir(store.names) == ["web"]


def test_a_refused_name_leaves_neither_directory_nor_temp_file(tmp_path):
    store = cs.ContainerStore(tmp_path)
    first = record("web")
    store.add(first)
    second = record("web")
    with pytest.raises(ContainerError, match="already in use"):
        store.add(second)
    assert not store.cdir(second["id"]).exists()
    assert os.listdir(store.names) == ["web"] and store.ids() == [first["id"]]


def test_parallel_adds_of_one_name_let_exactly_one_win(tmp_path):
    store = cs.ContainerStore(tmp_path)
    outcomes: list[str] = []

    def add() -> None:
        try:
            store.add(record("db"))
            outcomes.append("added")
        except ContainerError:
            outcomes.append("refused")

    threads = [threading.Thread(target=add) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added"] + ["refused"] * 7
    assert len(store.ids()) == 1 and store.resolve("db") == store.ids()[0]


def test_a_directory_without_state_is_not_a_container_and_does_not_hold_its_name(tmp_path):
    """What an add killed before it published the record leaves behind."""
    store = cs.ContainerStore(tmp_path)
    ghost = record("web")
    store.cdir(ghost["id"]).mkdir(parents=True)
    (store.names).mkdir(parents=True, exist_ok=True)
    (store.names / "web").write_text(ghost["id"])
    assert store.ids() == []
    rec = record("web")
    store.add(rec)
    assert store.resolve("web") == rec["id"]


def test_delete_removes_directory_and_name_and_leaves_no_trash(tmp_path):
    store = cs.ContainerStore(tmp_path)
    rec = record("web")
    store.add(rec)
    (store.cdir(rec["id"]) / "upper" / "etc").mkdir(parents=True)
    store.delete(rec["id"], "web")
    assert store.ids() == [] and not store.cdir(rec["id"]).exists()
    assert os.listdir(store.names) == [] and os.listdir(store.dir / cs.TRASH) == []
    store.delete(rec["id"], "web")  # again: nothing to do


def test_trash_left_by_a_killed_delete_is_swept_by_a_later_command_once_old(tmp_path, monkeypatch):
    """Each command sweeps once, at its first delete (a command's own trash is removed by the delete itself)."""
    monkeypatch.setattr(cs, "_swept", set())  # a fresh command
    store = cs.ContainerStore(tmp_path)
    left = store.dir / cs.TRASH / f"{cs.new_id()}.0badf00d"
    (left / "upper").mkdir(parents=True)
    for name in ("a", "b", "c"):
        store.add(record(name))
    store.delete(store.resolve("a"), "a")
    assert left.exists()  # young: it may be a delete still at work
    later = time.time() + cs.TRASH_AGE + 1
    monkeypatch.setattr(cs, "time", SimpleNamespace(time=lambda: later))
    store.delete(store.resolve("b"), "b")
    assert left.exists()  # the same command does not look again
    monkeypatch.setattr(cs, "_swept", set())  # the next command
    store.delete(store.resolve("c"), "c")
    assert os.listdir(store.dir / cs.TRASH) == []


@pytest.fixture
def synced(monkeypatch) -> list[int]:
    """The descriptors fsync was called on (each call still made)."""
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real_fsync(fd))
    return calls


def test_a_record_added_not_durable_is_never_fsynced_but_still_replaced_whole(tmp_path, synced):
    """A foreground ``run --rm`` container (removed by the same command): no fsync, yet atomic writes."""
    store = cs.ContainerStore(tmp_path)
    rec = record("tmp")
    store.add(rec, durable=False)
    store.update(rec["id"], lambda r: r.update(state=cs.RUNNING))  # durable by default, but not for this one
    assert synced == []
    assert store.read(rec["id"])["state"] == cs.RUNNING
    assert not [p for p in os.listdir(store.cdir(rec["id"])) if p.endswith(".tmp")]
    store.delete(rec["id"], "tmp")
    other = record("kept")
    store.add(other)
    assert synced  # other records stay durable


def test_a_durable_record_is_fsynced(tmp_path, synced):
    store = cs.ContainerStore(tmp_path)
    rec = record("web")
    store.add(rec)
    added = len(synced)
    store.update(rec["id"], lambda r: r.update(state=cs.RUNNING))
    assert added > 0 and len(synced) > added
