"""A container's teardown removes its cgroup only if some directory of it is still there (the monitor's starter
has usually removed it when the run ended; an rmdir attempt costs the kernel's global cgroup lock):
``Cgroup.exists``."""

from __future__ import annotations

from runtime.linux.cgroups.base import Cgroup
from runtime.linux.cgroups.v1 import V1Cgroup
from runtime.linux.cgroups.v2 import V2Cgroup


def test_a_v1_cgroup_with_any_hierarchy_dir_left_is_present(tmp_path):
    (tmp_path / "memory" / "c1").mkdir(parents=True)
    cgroup = V1Cgroup("c1", {"cpu": tmp_path / "cpu" / "c1", "memory": tmp_path / "memory" / "c1"})
    assert cgroup.exists()


def test_a_v1_cgroup_with_no_dir_left_is_gone(tmp_path):
    cgroup = V1Cgroup("c1", {"cpu": tmp_path / "cpu" / "c1", "memory": tmp_path / "memory" / "c1"})
    assert not cgroup.exists()


def test_a_v2_cgroup_is_present_while_its_dir_exists(tmp_path):
    assert not V2Cgroup("c1", tmp_path / "c1").exists()
    (tmp_path / "c1").mkdir()
    assert V2Cgroup("c1", tmp_path / "c1").exists()


class _Unknown(Cgroup):
    name = "c1"

    def join_self(self) -> None: ...

    def pids(self) -> list[int]:
        return []

    def oom_killed(self) -> bool:
        return False

    def remove(self) -> None: ...

    def container_mounts(self) -> list[tuple[str, str, str | None]]:
        return []


def test_a_cgroup_of_unknown_shape_is_taken_as_present():
    assert _Unknown().exists()
