"""A failing RUN: the error names the Dockerfile line, the command, the exit code and the last output lines;
no image is stored or tagged, nothing is left in the temp area (the fixture checks mounts and cgroups too),
and the steps before it are cached."""

from __future__ import annotations

import pytest

from runtime.build import BuildError
from tests.support.build import BASE, write_context

pytestmark = pytest.mark.root

DOCKERFILE = BASE + """\
RUN echo prepared > /p
RUN echo compiling; echo 'error: missing semicolon' >&2; exit 7
RUN echo never
"""


def test_failing_run_reports_line_command_code_and_output(build, tmp_path):
    with pytest.raises(BuildError) as caught:
        build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("fail:1",))
    err = caught.value
    assert (err.line, err.exit_code) == (4, 7)
    assert err.output == ("compiling", "error: missing semicolon")
    assert "Dockerfile:4: RUN echo compiling" in str(err) and "exit code 7" in str(err)
    assert "never" not in build.output()


def test_failing_build_stores_no_image(build, tmp_path):
    with pytest.raises(BuildError):
        build.build(write_context(tmp_path / "ctx", DOCKERFILE), tags=("fail:1",))
    assert build.images.list() == [] and not build.images.has("fail:1")


def test_steps_before_the_failure_are_cached(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE)
    for _ in range(2):
        with pytest.raises(BuildError):
            build.build(ctx, tags=("fail:1",))
    assert build.kinds("cached") == [1, 2] and build.kinds("done") == []


def test_a_missing_command_fails_like_a_shell_would(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + 'RUN ["/no/such/binary"]\n')
    with pytest.raises(BuildError) as caught:
        build.build(ctx)
    assert caught.value.exit_code == 127 and caught.value.line == 3


def test_missing_copy_source_is_refused_before_anything_runs(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + "RUN echo hi\nCOPY nothere.txt /\n")
    with pytest.raises(BuildError, match="Dockerfile:4: COPY 'nothere.txt': not found"):
        build.build(ctx)
    assert build.kinds("done") == []


class Interrupt(Exception):
    pass


def test_an_interrupted_build_kills_the_step_and_cleans_up(build, tmp_path):
    from runtime.build import BuildRequest

    def progress(event):
        if event.kind == "output" and event.text == "started":
            raise Interrupt()
    ctx = write_context(tmp_path / "ctx", BASE + "RUN echo started; sleep 600; echo never\n")
    with pytest.raises(Interrupt):
        build.builder.build(BuildRequest(ctx, tags=("fail:int",)), progress=progress)
    assert not build.images.has("fail:int")
