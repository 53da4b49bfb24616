"""The build cache: an unchanged rebuild reuses every step (no container runs) and yields the same image;
a change rebuilds from the first affected step on; ``no_cache`` rebuilds everything; ``pull`` is honoured."""

from __future__ import annotations

import pytest

from runtime.images.service import ImageService
from tests.support.build import BASE, write_context

pytestmark = pytest.mark.root

DOCKERFILE = BASE + """\
RUN echo step one > /one
COPY app.txt /app/
WORKDIR /app
RUN cat app.txt > copy.txt && echo ran
ENV DONE=1
"""


def test_unchanged_rebuild_hits_the_cache_for_every_step(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE, {"app.txt": "v1\n"})
    first = build.build(ctx, tags=("cache:1",))
    assert build.kinds("done") == [1, 2, 3, 4, 5] and build.kinds("cached") == []
    again = build.build(ctx, tags=("cache:1",))
    assert build.kinds("cached") == [1, 2, 3, 4, 5]
    assert build.kinds("done") == [] and build.output() == []
    assert again.id == first.id


def test_a_fresh_builder_process_state_still_hits_the_cache(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE, {"app.txt": "v1\n"})
    first = build.build(ctx, tags=("cache:1",))
    from runtime.build import Builder
    build.builder = Builder(ImageService(build.images.store.root), build.images.store.root)
    assert build.build(ctx).id == first.id
    assert build.kinds("cached") == [1, 2, 3, 4, 5]


def test_a_changed_file_rebuilds_its_copy_and_what_follows(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE, {"app.txt": "v1\n"})
    build.build(ctx, tags=("cache:1",))
    (ctx / "app.txt").write_text("v2\n")
    build.build(ctx, tags=("cache:1",))
    assert (build.kinds("cached"), build.kinds("done")) == ([1, 2], [3, 4, 5])


def test_no_cache_rebuilds_every_step(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE, {"app.txt": "v1\n"})
    build.build(ctx, tags=("cache:1",))
    build.build(ctx, tags=("cache:1",), no_cache=True)
    assert (build.kinds("cached"), build.kinds("done")) == ([], [1, 2, 3, 4, 5])


def test_removed_layers_are_rebuilt_not_trusted(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", DOCKERFILE, {"app.txt": "v1\n"})
    build.build(ctx, tags=("cache:1",))
    build.images.remove("cache:1")
    build.build(ctx, tags=("cache:1",))
    # the WORKDIR of an existing dir made no layer, so it has nothing to lose
    assert (build.kinds("cached"), build.kinds("done")) == ([4], [1, 2, 3, 5])
