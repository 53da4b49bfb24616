"""`dockyard network ...` / `volume ...` over the runtime contract, and the lifetime of dockyard's default
`bridge` network: made for the first `container run` without `--network` and kept afterwards, as Docker keeps its
`bridge`; `network rm bridge` and `network prune` remove it while no container uses it."""

from __future__ import annotations

import json

from runtime import MountSpec, NetworkSpec, VolumeSpec


def test_network_ls_lists_every_network_by_name(dy):
    dy.rt.create_network(NetworkSpec("zeta"))
    dy.rt.create_network(NetworkSpec("alpha"))
    out = dy("network", "ls").stdout.splitlines()
    assert out[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
    assert [line.split()[1] for line in out[1:]] == ["alpha", "zeta"]


def test_network_inspect_shows_subnet_and_labels(dy):
    dy.rt.create_network(NetworkSpec("front", labels=(("tier", "web"),)))
    doc = json.loads(dy("network", "inspect", "front").stdout)
    assert doc[0]["Name"] == "front" and doc[0]["Labels"] == {"tier": "web"}
    assert doc[0]["IPAM"]["Config"] == [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]


def test_network_inspect_of_an_unknown_network_is_one_error_line(dy):
    result = dy("network", "inspect", "nope")
    assert result.exit_code == 1
    assert result.stderr == "error: network inspect: no such network: nope: list them with `dockyard network ls`\n"


def test_network_rm_and_prune_remove_networks(dy):
    dy.rt.create_network(NetworkSpec("a"))
    dy.rt.create_network(NetworkSpec("b"))
    assert dy("network", "rm", "a").stdout == "a\n"
    assert dy("network", "prune", "-f").stdout == "Deleted Networks:\nb\n"
    assert dy.rt.networks() == []


def test_volume_create_ls_inspect_rm(dy):
    assert dy("volume", "create", "data", "-l", "team=db").stdout == "data\n"
    assert dy("volume", "ls", "-q").stdout == "data\n"
    doc = json.loads(dy("volume", "inspect", "data").stdout)
    assert doc[0]["Labels"] == {"team": "db"} and doc[0]["Driver"] == "local"
    assert dy("volume", "rm", "data").exit_code == 0
    assert dy.rt.volumes() == []


def test_volume_prune_takes_unused_anonymous_volumes_and_with_all_the_named_ones(dy):
    dy.rt.create_volume(VolumeSpec("named"))
    dy.rt.create_volume(VolumeSpec("f00d" * 16, labels=(("com.docker.volume.anonymous", ""),)))
    assert dy("volume", "prune", "-f").stdout == f"Deleted Volumes:\n{'f00d' * 16}\n"
    assert [v.name for v in dy.rt.volumes()] == ["named"]
    assert dy("volume", "prune", "-f", "-a").stdout == "Deleted Volumes:\nnamed\n"


def test_volume_prune_keeps_volumes_in_use(dy):
    dy.write("services: {db: {image: postgres, volumes: ['data:/var/lib/data']}}\nvolumes: {data: {}}\n")
    dy("-p", "v", "up", "-d")
    dy("volume", "prune", "-f", "-a")
    assert [v.name for v in dy.rt.volumes()] == ["v_data"]
    assert any(m.source == "v_data" for b in dy.rt.boxes.values() for m in b.spec.mounts if isinstance(m, MountSpec))


def test_an_attached_container_run_keeps_the_default_network_for_the_next_one(dy):
    dy.rt.images.add("busybox")
    dy.rt.behave("one", exit_code=0)
    result = dy("container", "run", "--rm", "--name", "one", "busybox", "true")
    assert result.exit_code == 0, result.output
    assert "create network bridge" in dy.rt.calls
    assert [n.name for n in dy.rt.networks()] == ["bridge"]


def test_the_default_network_outlives_its_last_container_until_network_rm(dy):
    dy.rt.images.add("busybox")
    dy("container", "run", "-d", "--name", "c1", "busybox", "sleep", "60")
    dy("container", "rm", "-f", "c1")
    assert [n.name for n in dy.rt.networks()] == ["bridge"]
    assert dy("network", "rm", "bridge").exit_code == 0
    assert dy.rt.networks() == []


def test_network_prune_removes_the_unused_default_network(dy):
    dy.rt.images.add("busybox")
    dy("container", "run", "-d", "--name", "c1", "busybox", "sleep", "60")
    dy("container", "stop", "c1")
    result = dy("network", "prune", "-f")
    assert result.exit_code == 0, result.output
    assert dy.rt.networks() == []


def test_a_user_network_is_not_removed_with_its_last_container(dy):
    dy.rt.images.add("busybox")
    dy.rt.create_network(NetworkSpec("mine"))
    dy("container", "run", "-d", "--name", "c1", "--network", "mine", "busybox", "sleep", "60")
    dy("container", "rm", "-f", "c1")
    assert [n.name for n in dy.rt.networks()] == ["mine"]
