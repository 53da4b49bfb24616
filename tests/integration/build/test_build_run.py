"""What a RUN step runs in: no network but loopback unless asked, extra hosts, the user of USER, cache mounts
that persist between builds without entering the image, and read-only bind mounts of the context."""

from __future__ import annotations

import pytest

from runtime.build import BuildError

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root


def test_run_has_only_loopback_and_the_extra_hosts(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + "RUN ls /sys/class/net; grep -h db /etc/hosts\n")
    build.build(ctx, extra_hosts=(("db", "10.1.2.3"),))
    assert build.output() == ["lo", "10.1.2.3\tdb"]


def test_run_uses_the_user_of_user(build, tmp_path):
    build.build(write_context(tmp_path / "ctx", BASE + "USER alice\nRUN id -un; touch /home/alice/mine\n"))
    assert build.output() == ["alice"]


def test_cache_mount_persists_between_builds_and_stays_out_of_the_image(build, tmp_path, scratch):
    dockerfile = BASE + ("ARG N\nRUN --mount=type=cache,target=/var/cache/app "
                         "sh -c 'echo $N >> /var/cache/app/log; cat /var/cache/app/log'\n")
    ctx = write_context(tmp_path / "ctx", dockerfile)
    build.build(ctx, build_args={"N": "1"})
    build.build(ctx, build_args={"N": "2"}, tags=("run:cache",))
    assert build.output() == ["1", "2"]
    code, out = run_in_image(build.images, "run:cache", "test -e /var || echo no /var", scratch)
    assert (code, out) == (0, "no /var\n")


def test_bind_mount_of_the_context_is_read_only(build, tmp_path):
    dockerfile = BASE + "RUN --mount=type=bind,source=src,target=/src cat /src/f; touch /src/g 2>/dev/null || echo ro\n"
    build.build(write_context(tmp_path / "ctx", dockerfile, {"src/f": "from context\n"}))
    assert build.output() == ["from context", "ro"]


def test_heredoc_with_a_shebang_runs_as_a_script(build, tmp_path):
    dockerfile = BASE + "RUN <<EOT\n#!/bin/sh -e\necho \"script $0\"\nEOT\n"
    build.build(write_context(tmp_path / "ctx", dockerfile))
    assert build.output() == ["script /dev/.dockyard-heredoc/EOT"]


def test_bind_mount_from_a_stage(build, tmp_path):
    dockerfile = BASE.replace("scratch", "scratch AS base") + (
        "FROM base AS builder\nRUN mkdir /out && echo from builder > /out/x\n"
        "FROM base\nRUN --mount=type=bind,from=builder,source=/out,target=/mnt cat /mnt/x\n")
    build.build(write_context(tmp_path / "ctx", dockerfile))
    assert build.output() == ["from builder"]


def test_host_network_needs_the_build_to_allow_it(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + "RUN --network=host ls /sys/class/net\n")
    with pytest.raises(BuildError, match="RUN --network=host needs the build's network set to host"):
        build.build(ctx)
    build.build(ctx, network="host")
    assert len(build.output()) > 1


def test_shell_changes_how_shell_form_runs(build, tmp_path):
    dockerfile = BASE + 'SHELL ["/bin/sh", "-ec"]\nRUN echo "shell: $0"\n'
    build.build(write_context(tmp_path / "ctx", dockerfile))
    assert build.output() == ["shell: /bin/sh"]


def test_onbuild_triggers_run_in_the_child_build(build, tmp_path, scratch):
    build.build(write_context(tmp_path / "base", BASE + "ONBUILD RUN echo triggered > /from-trigger\n"),
                tags=("onbuild/base:1",))
    child = write_context(tmp_path / "child", "FROM onbuild/base:1\nRUN cat /from-trigger\n", rootfs=False)
    build.build(child, tags=("onbuild/child:1",))
    assert build.output() == ["triggered"]
    assert "OnBuild" not in (build.images.image_config("onbuild/child:1")["config"] or {})
