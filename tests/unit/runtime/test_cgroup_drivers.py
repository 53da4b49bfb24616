"""cgroup v1 and v2 drivers against a fake cgroup root dir: which files get which values."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from runtime.errors import KernelError
from runtime.linux.cgroups import V1Driver, V2Driver, detect, devices, v1
from runtime.spec import Resources

LIMITS = Resources(memory=64 << 20, memory_swap=128 << 20, memory_reservation=32 << 20, cpus=1.5, cpu_shares=512,
                   cpuset_cpus="0", cpuset_mems="0", pids_limit=50)


@pytest.fixture
def v1_root(tmp_path: Path) -> Path:
    for h in ("cpu,cpuacct", "cpuset", "memory", "pids", "devices"):
        (tmp_path / h).mkdir()
    (tmp_path / "cpuset" / "cpuset.cpus").write_text("0-1\n")
    (tmp_path / "cpuset" / "cpuset.mems").write_text("0\n")
    (tmp_path / "cpu").symlink_to("cpu,cpuacct")
    return tmp_path


def test_detect_picks_v2_only_on_a_pure_cgroup2_root(tmp_path, v1_root):
    assert isinstance(detect(v1_root), V1Driver)
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    assert isinstance(detect(tmp_path), V2Driver)


def test_v1_writes_limits_in_each_hierarchy(v1_root):
    cg = V1Driver(v1_root).create("c1", LIMITS)
    d = lambda h: v1_root / h / "dockyard" / "c1"  # noqa: E731
    assert (d("memory") / "memory.limit_in_bytes").read_text() == str(64 << 20)
    assert (d("memory") / "memory.soft_limit_in_bytes").read_text() == str(32 << 20)
    assert (d("cpu,cpuacct") / "cpu.cfs_quota_us").read_text() == "150000"
    assert (d("cpu,cpuacct") / "cpu.cfs_period_us").read_text() == "100000"
    assert (d("cpu,cpuacct") / "cpu.shares").read_text() == "512"
    assert (d("pids") / "pids.max").read_text() == "50"
    assert (d("cpuset") / "cpuset.cpus").read_text() == "0"
    assert (d("devices") / "devices.deny").read_text() == "a"
    assert sorted(cg.container_mounts()) == [("cgroup", h, h) for h in
                                             ("cpu,cpuacct", "cpuset", "devices", "memory", "pids")]


def test_v1_new_cpuset_inherits_cpus_and_mems_from_its_parent(v1_root):
    V1Driver(v1_root).create("c1", Resources())
    assert (v1_root / "cpuset" / "dockyard" / "c1" / "cpuset.cpus").read_text() == "0-1"
    assert (v1_root / "cpuset" / "dockyard" / "cpuset.mems").read_text() == "0"


def test_v1_join_writes_zero_to_every_hierarchys_tasks_file(v1_root):
    V1Driver(v1_root).create("c1", Resources()).join_self()
    assert (v1_root / "memory" / "dockyard" / "c1" / "tasks").read_text() == "0"
    assert (v1_root / "pids" / "dockyard" / "c1" / "tasks").read_text() == "0"


def test_v1_oom_kill_counter_is_reported(v1_root):
    cg = V1Driver(v1_root).create("c1", Resources())
    path = v1_root / "memory" / "dockyard" / "c1" / "memory.oom_control"
    path.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
    assert not cg.oom_killed()
    path.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    assert cg.oom_killed()


ATTACHED: list[tuple[str, bytes]] = []


def _record(path: str, program: bytes) -> None:
    ATTACHED.append((path, program))


@pytest.fixture
def v2_root(tmp_path: Path) -> Path:
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("")
    return tmp_path


def test_v2_enables_controllers_top_down_and_writes_limits(v2_root, monkeypatch):
    from runtime.linux.cgroups import v2

    # a real cgroupfs fills these in; the fake parent gets them by hand
    (v2_root / "dockyard").mkdir()
    (v2_root / "dockyard" / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    writes = []
    real_write = v2.write
    monkeypatch.setattr(v2, "write", lambda path, *values: (writes.append((path, values)), real_write(path, *values)))
    V2Driver(v2_root, attach_devices=_record).create("c1", LIMITS)
    d = v2_root / "dockyard" / "c1"
    enabled = [(p.parent.name, vals[0]) for p, vals in writes if p.name == "cgroup.subtree_control"]
    assert enabled == [(v2_root.name, f"+{c}") for c in ("cpu", "cpuset", "io", "memory", "pids")] + \
        [("dockyard", f"+{c}") for c in ("cpu", "cpuset", "io", "memory", "pids")]
    assert (d / "memory.max").read_text() == str(64 << 20)
    assert (d / "memory.swap.max").read_text() == str(64 << 20)
    assert (d / "memory.low").read_text() == str(32 << 20)
    assert (d / "cpu.max").read_text() == "150000 100000"
    assert (d / "cpu.weight").read_text() == "20"
    assert (d / "pids.max").read_text() == "50"


def test_v2_unset_swap_means_as_much_swap_as_memory_and_oom_comes_from_memory_events(v2_root):
    cg = V2Driver(v2_root, attach_devices=_record).create("c1", Resources(memory=1 << 20))
    d = v2_root / "dockyard" / "c1"
    assert (d / "memory.swap.max").read_text() == str(1 << 20)
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert cg.oom_killed()
    assert cg.container_mounts() == [("cgroup2", "", None)]


def test_remove_deletes_the_cgroup_dirs(v1_root):
    cg = V1Driver(v1_root).create("c1", Resources())
    for p in (v1_root).glob("*/dockyard/c1"):
        for f in p.iterdir():
            f.unlink()
    cg.remove()
    assert not list(v1_root.glob("*/dockyard/c1"))


def test_v2_attaches_the_device_filter_to_each_new_cgroup(v2_root):
    ATTACHED.clear()
    V2Driver(v2_root, attach_devices=_record).create("c1", Resources())
    assert ATTACHED == [(str(v2_root / "dockyard" / "c1"), devices.program())]


@pytest.mark.parametrize("kind, access, major, minor, allowed", [
    (devices.CHAR, 2 | 4, 1, 3, True),        # /dev/null read-write
    (devices.CHAR, 2, 1, 9, True),            # /dev/urandom
    (devices.CHAR, 2 | 4, 136, 7, True),      # any pty slave
    (devices.CHAR, 2 | 4, 5, 2, True),        # ptmx
    (devices.BLOCK, 2, 254, 0, False),        # a host disk
    (devices.CHAR, 2, 1, 1, False),           # /dev/mem
    (devices.BLOCK, devices.ACC_MKNOD, 254, 0, True),  # mknod alone is allowed (Docker's b *:* m)
    (devices.CHAR, devices.ACC_MKNOD | 2, 1, 1, False),
])
def test_device_filter_program_allows_only_the_default_devices(kind, access, major, minor, allowed):
    assert devices.evaluate(devices.program(), kind, access, major, minor) == int(allowed)


def test_v1_cpuset_parent_made_but_not_yet_filled_by_another_process_is_finished_first(v1_root):
    (v1_root / "cpuset" / "dockyard").mkdir()  # another creator's mkdir won the race; its writes are still to come
    V1Driver(v1_root).create("c1", Resources())
    parent = v1_root / "cpuset" / "dockyard"
    assert (parent / "cpuset.cpus").read_text() == "0-1" and (parent / "cpuset.mems").read_text() == "0"
    assert (parent / "c1" / "cpuset.cpus").read_text() == "0-1" and (parent / "c1" / "cpuset.mems").read_text() == "0"


def test_v1_cpuset_parent_already_set_is_left_as_it_is(v1_root):
    parent = v1_root / "cpuset" / "dockyard"
    parent.mkdir()
    (parent / "cpuset.cpus").write_text("1")
    (parent / "cpuset.mems").write_text("0")
    V1Driver(v1_root).create("c1", Resources())
    assert (parent / "cpuset.cpus").read_text() == "1" and (parent / "c1" / "cpuset.cpus").read_text() == "1"


def test_v1_cpuset_with_nothing_to_inherit_fails_naming_the_file(v1_root):
    (v1_root / "cpuset" / "cpuset.cpus").write_text("")
    with pytest.raises(KernelError, match=r"init cpuset .*cpuset\.cpus: ENOSPC"):
        V1Driver(v1_root).create("c1", Resources())
    assert not (v1_root / "cpu,cpuacct" / "dockyard" / "c1").exists()


def test_v1_parent_removed_by_another_containers_cleanup_is_made_again(v1_root, monkeypatch):
    real_mkdir = os.mkdir
    vanished = []

    def mkdir(path, *args):  # noqa: ANN001, ANN002
        if str(path).endswith("cpuset/dockyard/c1") and not vanished:
            vanished.append(path)
            shutil.rmtree(v1_root / "cpuset" / "dockyard")
            raise FileNotFoundError(path)
        return real_mkdir(path, *args)

    monkeypatch.setattr(v1.os, "mkdir", mkdir)
    V1Driver(v1_root).create("c1", Resources())
    assert vanished and (v1_root / "cpuset" / "dockyard" / "c1" / "cpuset.cpus").read_text() == "0-1"


def test_v1_parent_removed_and_made_again_by_a_third_start_before_the_retry_is_not_an_error(v1_root, monkeypatch):
    real_mkdir = os.mkdir
    raced = []

    def mkdir(path, *args):  # noqa: ANN001, ANN002
        if str(path).endswith("pids/dockyard/c1") and not raced:
            raced.append(path)  # the parent went away and another start made it again before this one looked
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_mkdir(path, *args)

    monkeypatch.setattr(v1.os, "mkdir", mkdir)
    V1Driver(v1_root).create("c1", Resources())
    assert raced and (v1_root / "pids" / "dockyard" / "c1").is_dir()


def test_v1_missing_hierarchy_root_still_fails(v1_root):
    with pytest.raises(FileNotFoundError):
        v1._mkdir_with_parent(v1_root / "blkio" / "dockyard" / "c1", "blkio")
