"""ARG and ENV: defaults, build args overriding them, ${VAR:-x} / ${VAR:+x} forms, and what RUN sees."""

from __future__ import annotations

import pytest

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root

DOCKERFILE = """\
ARG DIR=opt
FROM scratch
ADD rootfs.tar /
ARG DIR
ARG FLAVOUR=plain
ARG EMPTY
ENV APP_HOME=/${DIR}/app MODE=${FLAVOUR:-none} EXTRA=${EMPTY:+set}
WORKDIR $APP_HOME
RUN echo "dir=$DIR flavour=$FLAVOUR home=$APP_HOME mode=$MODE extra=[$EXTRA] pwd=$(pwd)" | tee build.txt
"""


def test_defaults_reach_env_workdir_and_run(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("args:1",))
    line = "dir=opt flavour=plain home=/opt/app mode=plain extra=[] pwd=/opt/app"
    assert build.output() == [line]
    code, out = run_in_image(build.images, "args:1", "cat /opt/app/build.txt", scratch)
    assert (code, out.strip()) == (0, line)


def test_build_args_override_defaults_and_args_are_not_in_the_image_env(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("args:2",),
                build_args={"DIR": "srv", "FLAVOUR": "", "EMPTY": "x"})
    assert build.output() == ["dir=srv flavour= home=/srv/app mode=none extra=[set] pwd=/srv/app"]
    env = build.images.image_config("args:2")["config"]["Env"]
    assert env[1:] == ["APP_HOME=/srv/app", "MODE=none", "EXTRA=set"]


def test_changing_a_build_arg_used_by_run_rebuilds_that_step(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + "ARG V=1\nRUN echo v=$V\n")
    build.build(ctx, tags=("args:3",))
    build.build(ctx, tags=("args:3",), build_args={"V": "2"})
    assert (build.kinds("cached"), build.output()) == ([1], ["v=2"])
