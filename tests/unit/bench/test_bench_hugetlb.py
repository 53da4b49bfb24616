"""Where hugetlb is bound (the crun anchor's layout switch) and how P1a/P1c read bench_start.py's JSON."""

from __future__ import annotations

import pytest

from bench.harness.figures import FIGURES, evaluate
from bench.harness.measure_scripts import start_outcomes
from bench.hugetlb import (
    needs_switch,
    parse_cgroup_mounts,
    parse_proc_cgroups,
    state_from,
)

PROC_CGROUPS = """#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t4\t1
memory\t4\t234\t1
net_cls\t0\t1\t1
hugetlb\t{hierarchy}\t{count}\t1
pids\t8\t4\t1
"""

MOUNTINFO = """31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
HUGETLB_V1_MOUNT = "90 31 0:50 / /mnt/huge\\040tlb rw,relatime - cgroup cgroup rw,hugetlb\n"


def controllers(listing: str):
    return lambda path: listing if path == "/sys/fs/cgroup/unified" else ""


def test_proc_cgroups_gives_hierarchy_and_count_per_subsystem():
    subs = parse_proc_cgroups(PROC_CGROUPS.format(hierarchy=0, count=1))
    assert subs["hugetlb"].hierarchy == 0 and subs["hugetlb"].num_cgroups == 1 and subs["hugetlb"].enabled
    assert subs["memory"].hierarchy == 4 and subs["memory"].num_cgroups == 234
    assert "#subsys_name" not in subs


def test_mountinfo_yields_cgroup_mounts_with_their_controllers_and_unescaped_paths():
    mounts = parse_cgroup_mounts(MOUNTINFO + HUGETLB_V1_MOUNT)
    assert [m.mountpoint for m in mounts] == ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory",
                                              "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/mnt/huge tlb"]
    assert mounts[0].fstype == "cgroup" and "cpu" in mounts[0].options  # optional fields (shared:9) skipped
    assert mounts[3].fstype == "cgroup2"
    assert "hugetlb" in mounts[4].options


def test_hugetlb_listed_by_cgroup2_is_the_layout_crun_refuses():
    state = state_from(PROC_CGROUPS.format(hierarchy=0, count=1), MOUNTINFO, controllers("hugetlb\n"))
    assert state.on_cgroup2 and state.hybrid and needs_switch(state)
    assert state.cgroup2_dir == "/sys/fs/cgroup/unified"
    assert "hugetlb on cgroup2" in state.describe()


def test_hugetlb_bound_to_v1_needs_no_switch_and_names_its_mount():
    state = state_from(PROC_CGROUPS.format(hierarchy=10, count=2), MOUNTINFO + HUGETLB_V1_MOUNT, controllers(""))
    assert not state.on_cgroup2 and not needs_switch(state)
    assert state.v1_mountpoints == ("/mnt/huge tlb",)
    assert state.describe() == "hugetlb on v1 hierarchy 10 (/mnt/huge tlb; 2 cgroups)"


def test_a_v1_hierarchy_left_alive_but_unmounted_is_reported_as_such():
    # the failure the undo guards against: umount while a child cgroup still existed
    state = state_from(PROC_CGROUPS.format(hierarchy=10, count=2), MOUNTINFO, controllers(""))
    assert not state.on_cgroup2
    assert "not mounted in this namespace" in state.describe()


def test_without_cgroup2_there_is_nothing_to_switch():
    mountinfo = "\n".join(line for line in MOUNTINFO.splitlines() if "cgroup2" not in line)
    state = state_from(PROC_CGROUPS.format(hierarchy=0, count=1), mountinfo, controllers("hugetlb"))
    assert state.cgroup2_dir is None and not needs_switch(state)


def test_a_pure_cgroup2_host_owns_hugetlb_and_needs_no_switch():
    mountinfo = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    state = state_from(PROC_CGROUPS.format(hierarchy=0, count=80), mountinfo,
                       lambda path: "cpuset cpu io memory hugetlb pids" if path == "/sys/fs/cgroup" else "")
    assert state.on_cgroup2 and not state.hybrid
    assert not needs_switch(state)


def ms(median: float) -> dict:
    return {"median_ms": median, "min_ms": median - 1, "max_ms": median + 1, "n": 3}


RESTORED = {"before": "hugetlb on cgroup2", "after": "hugetlb on cgroup2", "switched_for_crun": True,
            "restored": True, "error": None}


def figure(fid: str):
    return next(f for f in FIGURES if f.id == fid)


def test_p1a_compares_with_runc_and_p1c_with_crun_from_the_same_rounds():
    out = start_outcomes({"dockyard": ms(20.0), "runc": ms(50.0), "crun": ms(8.0), "unshare-floor": ms(4.0),
                          "hugetlb": RESTORED})
    p1a, p1c = evaluate(figure("P1a"), out["P1a"]), evaluate(figure("P1c"), out["P1c"])
    assert p1a.ratio == pytest.approx(0.4) and p1a.status == "met"
    assert p1c.ratio == pytest.approx(2.5) and p1c.status == "recorded"
    assert p1c.definition.anchor_name == "crun run"
    assert "crun: 8.0 ms median (hugetlb bound to a v1 hierarchy for crun's runs only)" in p1a.note


def test_a_crun_failure_leaves_p1a_measured_and_p1c_not_measurable():
    out = start_outcomes({"dockyard": ms(20.0), "runc": ms(50.0), "crun": "crun run failed: ['boom']",
                          "hugetlb": RESTORED})
    assert evaluate(figure("P1a"), out["P1a"]).status == "met"
    p1c = evaluate(figure("P1c"), out["P1c"])
    assert p1c.status == "not measurable: crun: crun run failed: ['boom']"
    assert p1c.dockyard.median == 20.0


def test_a_layout_not_restored_marks_both_figures_loudly_and_keeps_the_numbers():
    broken = {**RESTORED, "restored": False, "error": "hugetlb did not return to cgroup2"}
    out = start_outcomes({"dockyard": ms(20.0), "runc": ms(50.0), "crun": ms(8.0), "hugetlb": broken})
    for fid in ("P1a", "P1c"):
        result = evaluate(figure(fid), out[fid])
        assert result.status == "not measurable: cgroup layout NOT restored: hugetlb did not return to cgroup2"
        assert result.anchor is not None and result.dockyard.median == 20.0
