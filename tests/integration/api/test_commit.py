"""``commit_container``: a container's changes as a new image: files it wrote are there, files it deleted are gone
(whiteouts), the command it ran is the image's; a running container is frozen only while its layer is read."""

from __future__ import annotations

import json

import pytest

from runtime import ContainerSpec
from runtime.errors import ContainerError
from tests.support.eventually import eventually
from tests.support.runtime_api import BUSYBOX_REF

pytestmark = pytest.mark.root

CHANGE = "mkdir -p /srv && echo made > /srv/made && rm /etc/group && touch /tmp/ready && exec sleep 300"


def spec(name: str, image: str, *command: str, **kw) -> ContainerSpec:
    return ContainerSpec(name=name, image=image, command=command or None, network_mode="none", **kw)


def run(rt, name: str, image: str, script: str) -> tuple[int, str]:
    cid = rt.create_container(spec(name, image, "sh", "-c", script)).id
    rt.start_container(cid)
    code = rt.wait_container(cid, timeout=30)
    return code, "".join(line.text for line in rt.logs(cid))


def test_a_running_containers_changes_become_an_image_that_runs(rt):
    assert run(rt, "base", BUSYBOX_REF, "test -e /etc/group && echo has-group")[1] == "has-group\n"
    cid = rt.create_container(spec("work", BUSYBOX_REF, "sh", "-c", CHANGE, environment=(("MODE", "x"),))).id
    rt.start_container(cid)
    eventually(lambda: rt.exec(cid, ["test", "-f", "/tmp/ready"]) == 0, timeout=30)

    info = rt.commit_container("work", "dy-test/committed:v1", message="snapshot", author="tests")
    assert "dy-test/committed:v1" in info.repo_tags
    assert rt.container("work").state == "running"  # frozen for the commit only
    config = rt.images.image_config("dy-test/committed:v1")
    assert config["config"]["Cmd"] == ["sh", "-c", CHANGE]
    assert "MODE=x" in config["config"]["Env"]
    assert config["history"][-1]["comment"] == "snapshot" and config["author"] == "tests"
    base = rt.images.image_config(BUSYBOX_REF)
    assert len(config["rootfs"]["diff_ids"]) == len(base["rootfs"]["diff_ids"]) + 1

    code, out = run(rt, "child", "dy-test/committed:v1",
                    "cat /srv/made; test -e /etc/group && echo has-group || echo no-group; echo $MODE")
    assert (code, out) == (0, "made\nno-group\nx\n")


def test_a_container_that_never_ran_commits_an_empty_layer(rt):
    rt.create_container(spec("idle", BUSYBOX_REF, "true"))
    info = rt.commit_container("idle")
    assert info.repo_tags == ()
    config = rt.images.image_config(info.id)
    assert config["rootfs"]["diff_ids"][:-1] == rt.images.image_config(BUSYBOX_REF)["rootfs"]["diff_ids"]
    assert run(rt, "from-idle", info.id, "echo ok") == (0, "ok\n")


def test_changes_set_the_new_images_command(rt):
    rt.create_container(spec("cmd", BUSYBOX_REF, "true"))
    info = rt.commit_container("cmd", changes=('CMD ["echo", "changed"]', "ENV GREETING=hi"))
    cid = rt.create_container(ContainerSpec(name="from-cmd", image=info.id, network_mode="none")).id
    rt.start_container(cid)
    assert rt.wait_container(cid, timeout=30) == 0
    assert "".join(line.text for line in rt.logs(cid)) == "changed\n"


def test_a_bad_reference_or_change_is_refused_and_nothing_is_stored(rt):
    rt.create_container(spec("named", BUSYBOX_REF, "true"))
    before = json.dumps(rt.images.store.read_index(), sort_keys=True)
    blobs = sorted(p.name for p in rt.images.store.blobs.rglob("*") if p.is_file())
    with pytest.raises(Exception, match="(?i)invalid|reference"):
        rt.commit_container("named", "Bad Name!")
    with pytest.raises(Exception, match="RUN cannot be applied"):
        rt.commit_container("named", "dy-test/ok:1", changes=("RUN true",))
    assert json.dumps(rt.images.store.read_index(), sort_keys=True) == before
    assert sorted(p.name for p in rt.images.store.blobs.rglob("*") if p.is_file()) == blobs
    with pytest.raises(ContainerError):
        rt.commit_container("no-such-container")
