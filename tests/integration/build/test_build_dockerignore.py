""".dockerignore decides what COPY sees: excluded files are absent, ``!`` re-includes, and editing an ignored
file does not invalidate the cache."""

from __future__ import annotations

import pytest

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root

FILES = {".dockerignore": "*.log\nsecrets/\n!keep.log\n", "app.py": "print()\n", "debug.log": "x\n",
         "keep.log": "k\n", "secrets/key": "s\n", "src/main.c": "int main;\n", "src/tmp.log": "t\n"}


def test_ignored_files_are_not_copied(build, tmp_path, scratch):
    ctx = write_context(tmp_path / "ctx", BASE + "COPY . /app/\n", FILES)
    build.build(ctx, tags=("ignore:1",))
    code, out = run_in_image(build.images, "ignore:1", "cd /app && find . -type f | sort", scratch)
    assert code == 0
    assert out.split() == ["./.dockerignore", "./Dockerfile", "./app.py", "./keep.log", "./rootfs.tar",
                           "./src/main.c", "./src/tmp.log"]


def test_editing_an_ignored_file_keeps_the_cache(build, tmp_path):
    ctx = write_context(tmp_path / "ctx", BASE + "COPY . /app/\n", FILES)
    build.build(ctx, tags=("ignore:1",))
    (ctx / "debug.log").write_text("changed\n")
    (ctx / "secrets" / "key").write_text("changed\n")
    build.build(ctx, tags=("ignore:1",))
    assert build.kinds("cached") == [1, 2]
    (ctx / "app.py").write_text("print('changed')\n")
    build.build(ctx, tags=("ignore:1",))
    assert (build.kinds("cached"), build.kinds("done")) == ([1], [2])
