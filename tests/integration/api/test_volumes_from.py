"""``volumes_from``: a container mounts the named volumes, anonymous volumes and binds of another container at the
same targets, so a file written through the source's mount is visible in it; ``:ro`` makes them read-only."""

from __future__ import annotations

import pytest

from runtime import ContainerSpec, MountSpec
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command, network_mode="none", **kw)


def run_logs(rt, cid: str) -> str:
    rt.start_container(cid)
    code = rt.wait_container(cid, timeout=30)
    return f"{code}:" + "".join(line.text for line in rt.logs(cid))


@pytest.fixture
def source(rt, tmp_path):
    """A container with a named volume, an anonymous volume and a bind, each holding a file it wrote."""
    host = tmp_path / "bound"
    host.mkdir()
    mounts = (MountSpec("volume", "/named", "dyvf_named"), MountSpec("volume", "/anon"),
              MountSpec("bind", "/bound", str(host)))
    cid = rt.create_container(spec("vfsrc", "sh", "-c", "for d in named anon bound; do echo $d-1 > /$d/f; done",
                                   mounts=mounts)).id
    assert run_logs(rt, cid) == "0:"
    return cid


def test_files_written_through_the_sources_volumes_are_visible(rt, source):
    reader = rt.create_container(spec("vfread", "sh", "-c", "cat /named/f /anon/f /bound/f",
                                      volumes_from=("vfsrc",))).id
    assert run_logs(rt, reader) == "0:named-1\nanon-1\nbound-1\n"


def test_writes_go_both_ways_in_rw_mode(rt, source):
    writer = rt.create_container(spec("vfwrite", "sh", "-c", "echo back > /anon/g", volumes_from=("vfsrc:rw",))).id
    assert run_logs(rt, writer) == "0:"
    again = rt.create_container(spec("vfcheck", "cat", "/anon/g", volumes_from=("vfsrc",))).id
    assert run_logs(rt, again) == "0:back\n"


def test_ro_mounts_them_read_only(rt, source):
    reader = rt.create_container(spec("vfro", "sh", "-c", "cat /named/f; echo x > /named/g || echo refused",
                                      volumes_from=("vfsrc:ro",))).id
    out = run_logs(rt, reader)
    assert out.startswith("0:named-1\n")
    assert "refused\n" in out and "Read-only file system" in out


def test_the_containers_own_mount_wins_at_the_same_target(rt, source, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "f").write_text("own\n")
    reader = rt.create_container(spec("vfown", "cat", "/bound/f", volumes_from=("vfsrc",),
                                      mounts=(MountSpec("bind", "/bound", str(own)),))).id
    assert run_logs(rt, reader) == "0:own\n"


def test_a_missing_source_fails_the_create_naming_it(rt):
    with pytest.raises(Exception, match="volumes_from nosuch"):
        rt.create_container(spec("vforphan", "true", volumes_from=("nosuch",)))
    assert [c.name for c in rt.containers()] == []


def test_an_inherited_volume_stays_in_use_after_the_source_goes(rt, source):
    rt.create_container(spec("vfkeep", "true", volumes_from=("vfsrc",)))
    rt.remove_container(source)
    with pytest.raises(Exception, match="in use"):
        rt.remove_volume("dyvf_named")
