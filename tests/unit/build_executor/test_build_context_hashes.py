"""Context file digests are remembered between builds (so an unchanged context is not re-read), but an edited
file is always hashed again, even with the same size and mtime."""

from __future__ import annotations

import os

from runtime.build import Builder, BuildRequest
from runtime.build.hashes import ContextHashes
from runtime.images.service import ImageService

DOCKERFILE = "FROM scratch\nCOPY data.bin /\n"


def copy_key(root, ctx) -> str:
    plan = Builder(ImageService(root), root).plan(BuildRequest(ctx, dockerfile_inline=DOCKERFILE))
    return plan.target.steps[0].cache_key


def test_digests_persist_and_only_used_entries_are_kept(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "data.bin").write_bytes(b"a" * 100)
    copy_key(tmp_path / "root", ctx)
    saved = ContextHashes(tmp_path / "root", ctx)
    assert len(saved.known) == 1 and next(iter(saved.known.values())).startswith("sha256:")
    (ctx / "data.bin").write_bytes(b"b" * 100)
    copy_key(tmp_path / "root", ctx)
    assert len(ContextHashes(tmp_path / "root", ctx).known) == 1


def test_an_edit_with_the_same_size_and_mtime_changes_the_key(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    data = ctx / "data.bin"
    data.write_bytes(b"a" * 100)
    before = copy_key(tmp_path / "root", ctx)
    st = data.stat()
    data.write_bytes(b"b" * 100)
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert copy_key(tmp_path / "root", ctx) != before
    assert copy_key(tmp_path / "root", ctx) == copy_key(tmp_path / "other-root", ctx)
