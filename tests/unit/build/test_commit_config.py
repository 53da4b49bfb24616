"""commit's image config: the base image's, with the container's settings on top, one more layer and history."""

from __future__ import annotations

from pathlib import Path

from runtime.build.commit import CommitRequest, image_config

BASE = {
    "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
    "config": {"Env": ["PATH=/usr/bin", "LANG=C"], "Cmd": ["sh"], "Labels": {"from": "image"}},
    "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "base"}],
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "a" * 64]},
}


def request(spec: dict, **kw) -> CommitRequest:
    return CommitRequest(Path("/nowhere"), "sha256:" + "f" * 64, spec, ("sleep", "300"), **kw)


def test_the_containers_settings_go_on_top_of_the_images():
    spec = {"command": ["sleep", "300"], "entrypoint": None, "environment": [["LANG", "C.UTF-8"], ["MODE", "x"]],
            "user": "1000", "working_dir": "/srv", "labels": [["app", "web"]]}
    out = image_config(BASE, request(spec, message="snapshot", author="Jane"), "sha256:" + "b" * 64,
                       "2026-11-26T00:00:00Z")
    c = out["config"]
    assert c["Cmd"] == ["sleep", "300"] and "Entrypoint" not in c
    assert c["Env"] == ["PATH=/usr/bin", "LANG=C.UTF-8", "MODE=x"]
    assert (c["User"], c["WorkingDir"], c["Labels"]) == ("1000", "/srv", {"from": "image", "app": "web"})
    assert out["rootfs"]["diff_ids"] == ["sha256:" + "a" * 64, "sha256:" + "b" * 64]
    assert out["history"][-1] == {"created": "2026-11-26T00:00:00Z", "created_by": "sleep 300",
                                  "comment": "snapshot", "author": "Jane"}
    assert (out["created"], out["author"], out["comment"]) == ("2026-11-26T00:00:00Z", "Jane", "snapshot")
    assert BASE["config"]["Env"] == ["PATH=/usr/bin", "LANG=C"]  # the base is not changed


def test_an_entrypoint_replaces_the_images_command_too_and_compose_labels_stay_out():
    spec = {"entrypoint": ["/init"], "command": None,
            "labels": [["com.docker.compose.project", "p"], ["com.docker.compose.service", "web"], ["keep", "1"]]}
    c = image_config(BASE, request(spec), "sha256:" + "b" * 64, "t")["config"]
    assert (c["Entrypoint"], c["Cmd"]) == (["/init"], None)
    assert c["Labels"] == {"from": "image", "keep": "1"}


def test_nothing_given_keeps_the_images_config_and_adds_only_the_layer():
    out = image_config(BASE, request({}), "sha256:" + "b" * 64, "t")
    assert out["config"] == BASE["config"]
    assert len(out["history"]) == 2 and "comment" not in out["history"][-1]


def test_changes_apply_dockerfile_instructions_last_with_the_images_environment():
    changes = ('CMD ["serve", "--port", "80"]', "ENV MODE=prod HOME_DIR=$HOME/app", "LABEL tier=front",
               "EXPOSE 80/tcp 53/udp", "WORKDIR data", "USER nobody", "VOLUME /cache")
    base = {**BASE, "config": {**BASE["config"], "Env": ["HOME=/root"], "WorkingDir": "/srv"}}
    c = image_config(base, request({"command": ["sleep", "1"]}, changes=changes), "sha256:" + "b" * 64, "t")["config"]
    assert c["Cmd"] == ["serve", "--port", "80"]
    assert c["Env"] == ["HOME=/root", "MODE=prod", "HOME_DIR=/root/app"]
    assert c["Labels"] == {"from": "image", "tier": "front"}
    assert c["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert (c["WorkingDir"], c["User"], c["Volumes"]) == ("/srv/data", "nobody", {"/cache": {}})


def test_a_change_docker_does_not_allow_is_refused_naming_the_allowed_ones():
    import pytest

    from runtime.errors import ImageError

    with pytest.raises(ImageError, match=r"RUN cannot be applied to an image config; use one of CMD, ENTRYPOINT"):
        image_config(BASE, request({}, changes=("RUN rm -rf /",)), "sha256:" + "b" * 64, "t")
