"""Containers on dockyard networks find each other by name; named volumes outlive the containers using them."""

from __future__ import annotations

import pytest

from runtime import ContainerSpec, MountSpec, NetworkAttachment, NetworkSpec, VolumeSpec
from tests.support.runtime_api import BUSYBOX_REF, import_busybox

pytestmark = pytest.mark.root


def spec(name: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=BUSYBOX_REF, command=command or None, **kw)


def run_logs(rt, cid: str) -> str:
    rt.start_container(cid)
    code = rt.wait_container(cid, timeout=30)
    return f"{code}:" + "".join(line.text for line in rt.logs(cid))


def test_two_containers_on_a_network_talk_by_name(rt):
    rt.create_network(NetworkSpec("dyapi_net", labels=(("proj", "t"),)))
    server = rt.create_container(spec(
        "web", "sh", "-c", "while :; do echo hello-from-web | nc -l -p 8080; done",
        networks=(NetworkAttachment("dyapi_net", aliases=("websvc",)),))).id
    rt.start_container(server)
    client = rt.create_container(spec(
        "client", "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 websvc 8080 && exit 0; sleep 0.3; done; exit 1",
        networks=(NetworkAttachment("dyapi_net"),))).id
    assert run_logs(rt, client) == "0:hello-from-web\n"
    info = rt.container(server)
    assert [net for net, _ in info.networks] == ["dyapi_net"]
    assert rt.networks({"proj": "t"})[0].endpoints


def test_container_files_name_the_container_and_its_network_dns(rt):
    rt.create_network(NetworkSpec("dyapi_files"))
    gateway = rt.networks()[0].gateway
    cid = rt.create_container(spec("filer", "sh", "-c", "cat /etc/hostname /etc/resolv.conf /etc/hosts",
                                   hostname="box", networks=(NetworkAttachment("dyapi_files"),))).id
    out = run_logs(rt, cid)
    assert out.startswith("0:box\n") and f"nameserver {gateway}" in out
    ip = rt.container(cid).networks[0][1]
    assert f"{ip}\tbox filer" in out


def test_stop_releases_the_network_so_it_can_be_removed(rt):
    rt.create_network(NetworkSpec("dyapi_rm"))
    cid = rt.create_container(spec("holder", "sleep", "300", init=True,
                                   networks=(NetworkAttachment("dyapi_rm"),))).id
    rt.start_container(cid)
    rt.stop_container(cid, timeout=5)
    rt.remove_network("dyapi_rm")
    assert rt.networks() == []


def test_a_named_volume_persists_across_container_recreation(rt):
    rt.create_volume(VolumeSpec("dyapi_data", labels=(("proj", "t"),)))
    mount = (MountSpec("volume", "/data", "dyapi_data"),)
    first = rt.create_container(spec("w1", "sh", "-c", "echo kept > /data/f", network_mode="none", mounts=mount)).id
    assert run_logs(rt, first) == "0:"
    rt.remove_container(first, volumes=True)
    second = rt.create_container(spec("w2", "cat", "/data/f", network_mode="none", mounts=mount)).id
    assert run_logs(rt, second) == "0:kept\n"
    assert [v.name for v in rt.volumes({"proj": "t"})] == ["dyapi_data"]


def test_a_volume_in_use_cannot_be_removed(rt):
    mount = (MountSpec("volume", "/data", "dyapi_used"),)
    rt.create_container(spec("user", "true", network_mode="none", mounts=mount))
    with pytest.raises(Exception, match="in use"):
        rt.remove_volume("dyapi_used")


def test_a_new_volume_is_filled_from_the_image(rt):
    mount = (MountSpec("volume", "/etc", "dyapi_etc"),)
    cid = rt.create_container(spec("filled", "cat", "/etc/passwd", network_mode="none", mounts=mount)).id
    assert run_logs(rt, cid).startswith("0:root:x:0:0:")


def test_image_volumes_become_anonymous_volumes_removed_with_the_container(rt, tmp_path):
    import_busybox(rt, tmp_path, "dockyard.test/busybox:vol", {"Cmd": ["sh"], "Volumes": {"/var/lib/app": {}}})
    cid = rt.create_container(ContainerSpec("anon", "dockyard.test/busybox:vol", network_mode="none",
                                            command=("sh", "-c", "echo x > /var/lib/app/y"))).id
    assert run_logs(rt, cid) == "0:"
    assert len(rt.volumes({"com.docker.volume.anonymous": ""})) == 1
    rt.remove_container(cid, volumes=True)
    assert rt.volumes() == []


def test_tmpfs_and_read_only_bind_mounts(rt, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "in.txt").write_text("from-host")
    mounts = (MountSpec("bind", "/in", str(tmp_path / "src"), read_only=True), MountSpec("tmpfs", "/scratch"))
    cid = rt.create_container(spec("binder", "sh", "-c", "cat /in/in.txt; touch /in/x || echo ro; "
                                   "touch /scratch/y && echo tmp", network_mode="none", mounts=mounts)).id
    lines = run_logs(rt, cid).split(":", 1)[1].splitlines()
    assert {"from-hostro", "tmp"} <= set(lines) or {"from-host", "ro", "tmp"} <= set(lines)


def test_parallel_lifecycle_of_a_project_keeps_every_container_apart(rt):
    """Compose starts a generation of services in parallel: names, addresses and monitors must not race."""
    from concurrent.futures import ThreadPoolExecutor

    rt.create_network(NetworkSpec("dyapi_par"))
    labels = (("com.docker.compose.project", "dyapipar"),)

    def up(i: int) -> str:
        info = rt.create_container(spec(f"par-{i}", "sh", "-c", "sleep 300", init=True, labels=labels,
                                        networks=(NetworkAttachment("dyapi_par", aliases=(f"svc{i}",)),)))
        return rt.start_container(info.id).id

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(up, range(6)))
    infos = rt.containers({"com.docker.compose.project": "dyapipar"}, all=False)
    assert sorted(i.name for i in infos) == [f"par-{i}" for i in range(6)]
    assert len({i.networks[0][1] for i in infos}) == 6
    with ThreadPoolExecutor(6) as pool:
        stopped = list(pool.map(lambda cid: rt.stop_container(cid, timeout=5), ids))
    assert {s.state for s in stopped} == {"exited"}
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(rt.remove_container, ids))
    assert rt.containers() == []


def test_network_mode_container_shares_the_other_containers_network(rt):
    rt.create_network(NetworkSpec("dyapi_share"))
    first = rt.create_container(spec("owner", "sh", "-c", "while :; do echo shared | nc -l -p 9000; done",
                                     networks=(NetworkAttachment("dyapi_share"),))).id
    rt.start_container(first)
    second = rt.create_container(spec("guest", "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do "
                                      "nc -w 2 127.0.0.1 9000 && exit 0; sleep 0.3; done; exit 1",
                                      network_mode="container:owner")).id
    assert run_logs(rt, second) == "0:shared\n"
    rt.remove_container(second)
    rt.stop_container(first, timeout=1)
