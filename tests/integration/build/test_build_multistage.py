"""Multi-stage builds: COPY --from a stage (by name or index), only the stages the target needs are built."""

from __future__ import annotations

import pytest

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root

DOCKERFILE = BASE.replace("FROM scratch", "FROM scratch AS base") + """\
FROM base AS builder
RUN mkdir -p /out/bin && echo 'echo built' > /out/bin/tool && chmod 755 /out/bin/tool && chown 1000:50 /out/bin/tool

FROM base AS broken
RUN echo this stage must not run && exit 3

FROM base
COPY --from=builder /out/bin/tool /usr/local/bin/
COPY --from=1 /out /copy-of-out
"""


def test_copy_from_a_stage_brings_files_with_their_owner_and_mode(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("multi:1",))
    script = "/usr/local/bin/tool; stat -c '%a %u %g' /usr/local/bin/tool; ls /copy-of-out/bin"
    code, out = run_in_image(build.images, "multi:1", script, scratch)
    assert (code, out.splitlines()) == (0, ["built", "755 1000 50", "tool"])


def test_only_the_stages_the_target_needs_are_built(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("multi:1",))
    assert "this stage must not run" not in build.output()
    assert {e.stage for e in build.events if e.kind == "step"} == {"base", "builder", "3"}


def test_target_builds_an_earlier_stage_as_the_image(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("multi:builder",), target="builder")
    assert {e.stage for e in build.events if e.kind == "step"} == {"base", "builder"}
    script = "/out/bin/tool; test -e /usr/local/bin/tool || echo no"
    code, out = run_in_image(build.images, "multi:builder", script, scratch)
    assert (code, out.split()) == (0, ["built", "no"])


def test_from_a_local_image_inherits_its_layers_env_and_workdir(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "base", BASE + "ENV GREETING=hi\nWORKDIR /srv\nRUN echo base > b\n"),
                tags=("local/base:1",))
    dockerfile = "FROM local/base:1\nRUN echo $GREETING from $(pwd) | tee out\n"
    child = build.build(write_context(tmp_path / "child", dockerfile, rootfs=False), tags=("local/child:1",))
    assert build.output() == ["hi from /srv"]
    base_config = build.images.image_config("local/base:1")
    child_config = build.images.image_config(child.id)
    assert child_config["rootfs"]["diff_ids"][:-1] == base_config["rootfs"]["diff_ids"]
    assert child_config["history"][:len(base_config["history"])] == base_config["history"]
    code, out = run_in_image(build.images, "local/child:1", "cat /srv/b", scratch)
    assert (code, out) == (0, "base\n")


def test_copy_from_a_local_image(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "base", BASE + "RUN mkdir /srv && echo lib > /srv/lib.so\n"),
                tags=("local/libs:1",))
    build.build(write_context(tmp_path / "app", BASE + "COPY --from=local/libs:1 /srv/lib.so /usr/lib/\n"),
                tags=("local/app:1",))
    code, out = run_in_image(build.images, "local/app:1", "cat /usr/lib/lib.so", scratch)
    assert (code, out) == (0, "lib\n")


def test_copy_from_a_stage_with_wildcards(build, tmp_path, scratch):
    dockerfile = BASE.replace("scratch", "scratch AS base") + (
        "FROM base AS gen\nRUN mkdir /out && echo 1 > /out/a.txt && echo 2 > /out/b.txt && echo 3 > /out/c.log\n"
        "FROM base\nCOPY --from=gen /out/*.txt /dst/\n")
    build.build(write_context(tmp_path / "ctx", dockerfile), tags=("multi:glob",))
    code, out = run_in_image(build.images, "multi:glob", "ls /dst; cat /dst/*", scratch)
    assert (code, out.split()) == (0, ["a.txt", "b.txt", "1", "2"])
