"""A container's teardown removes its cgroup only if some directory of it is still there (the monitor's starter
has usually removed it when the run ended; an rmdir attempt costs the kernel's global cgroup lock)."""

from __future__ import annotations

from types import SimpleNamespace

from runtime.lifecycle import _cgroup_present


def test_a_v1_cgroup_with_any_hierarchy_dir_left_is_present(tmp_path):
    (tmp_path / "memory" / "c1").mkdir(parents=True)
    cgroup = SimpleNamespace(dirs={"cpu": tmp_path / "cpu" / "c1", "memory": tmp_path / "memory" / "c1"})
    assert _cgroup_present(cgroup)


def test_a_v1_cgroup_with_no_dir_left_is_gone(tmp_path):
    cgroup = SimpleNamespace(dirs={"cpu": tmp_path / "cpu" / "c1", "memory": tmp_path / "memory" / "c1"})
    assert not _cgroup_present(cgroup)


def test_a_v2_cgroup_is_present_while_its_dir_exists(tmp_path):
    assert not _cgroup_present(SimpleNamespace(path=tmp_path / "c1"))
    (tmp_path / "c1").mkdir()
    assert _cgroup_present(SimpleNamespace(path=tmp_path / "c1"))


def test_a_cgroup_of_unknown_shape_is_taken_as_present():
    assert _cgroup_present(object())
