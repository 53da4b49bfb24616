"""USER, WORKDIR, ENTRYPOINT, CMD, HEALTHCHECK, EXPOSE, LABEL, STOPSIGNAL land in the image config; WORKDIR
creates its directory (owned by USER); build labels are added."""

from __future__ import annotations

import pytest

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root

DOCKERFILE = BASE + """\
LABEL org.example.team=core
USER alice
WORKDIR /work/here
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["id -u; pwd"]
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD test -d /work/here
EXPOSE 8080 53/udp
STOPSIGNAL SIGINT
"""


def test_instructions_land_in_the_image_config(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("config:1",), labels={"built.by": "test"})
    config = build.images.image_config("config:1")["config"]
    assert config["User"] == "alice"
    assert config["WorkingDir"] == "/work/here"
    assert config["Entrypoint"] == ["/bin/sh", "-c"]
    assert config["Cmd"] == ["id -u; pwd"]
    assert config["Healthcheck"] == {"Test": ["CMD-SHELL", "test -d /work/here"], "Interval": 5_000_000_000,
                                     "Timeout": 2_000_000_000, "Retries": 4}
    assert config["ExposedPorts"] == {"8080/tcp": {}, "53/udp": {}}
    assert config["StopSignal"] == "SIGINT"
    assert config["Labels"] == {"org.example.team": "core", "built.by": "test"}


def test_workdir_is_created_owned_by_the_user(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("config:1",))
    code, out = run_in_image(build.images, "config:1", "stat -c '%U %a' /work/here /work", scratch)
    assert (code, out.split("\n")[:2]) == (0, ["alice 755", "alice 755"])


def test_history_marks_config_only_steps_as_empty_layers(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("config:1",))
    image = build.images.image_config("config:1")
    layered = [h["created_by"] for h in image["history"] if not h.get("empty_layer")]
    assert layered == ["ADD rootfs.tar / # buildkit", "WORKDIR /work/here"]
    assert len(image["rootfs"]["diff_ids"]) == 2
