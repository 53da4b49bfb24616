"""The build context: source resolution with Docker's glob rules, .dockerignore, and content digests."""

from __future__ import annotations

import gzip
import io
import os
import tarfile

import pytest

from runtime.images.buildcontext import BuildContext, BuildContextError, clean_source


def paths(ctx: BuildContext, source: str) -> list[str]:
    return [s.path for s in ctx.resolve(source)]


@pytest.mark.parametrize("source, expected", [
    ("a", "a"), ("/a", "a"), ("./a/", "a"), ("../../a", "a"), (".", "."), ("/", "."), ("a/../b", "b"),
])
def test_sources_are_cleaned_against_the_context_root(source, expected):
    assert clean_source(source) == expected


def test_wildcards_match_per_segment(context):
    ctx = BuildContext.open(context({"a.txt": "", "b.txt": "", "c.md": "", "sub/d.txt": "", ".hidden.txt": ""}))
    assert paths(ctx, "*.txt") == [".hidden.txt", "a.txt", "b.txt"]
    assert paths(ctx, "*/*.txt") == ["sub/d.txt"]
    assert paths(ctx, "[ab].txt") == ["a.txt", "b.txt"]
    assert paths(ctx, "?.md") == ["c.md"]


def test_ignored_files_are_invisible_to_sources_and_globs(context):
    ctx = BuildContext.open(context({".dockerignore": "secret*\n", "secret.txt": "", "a.txt": ""}))
    assert paths(ctx, "*.txt") == ["a.txt"]
    with pytest.raises(BuildContextError, match="excluded by .*dockerignore"):
        ctx.resolve("secret.txt")


def test_missing_source_names_the_context(context):
    root = context({"a": ""})
    with pytest.raises(BuildContextError, match="'nope': not found in build context"):
        BuildContext.open(root).resolve("nope")
    with pytest.raises(BuildContextError, match="not found"):
        BuildContext.open(root).resolve("*.none")


def test_directory_walk_skips_ignored_entries_but_descends_for_exceptions(context):
    ctx = BuildContext.open(context({".dockerignore": "docs\n!docs/keep.md\nnode_modules\n", "docs/keep.md": "",
                                     "docs/drop.md": "", "node_modules/x/y.js": "", "src/a.py": ""}))
    walked = [rel for rel, _ in ctx.walk()]
    assert "docs/keep.md" in walked and "src/a.py" in walked
    assert not [p for p in walked if p.startswith("node_modules") or p == "docs/drop.md"]


def test_dir_digest_changes_with_content_and_mode_but_not_with_ignored_files(context):
    root = context({".dockerignore": "*.log\n", "src/a.py": "print(1)", "debug.log": "x"})
    before = BuildContext.open(root).digest(".")
    (root / "debug.log").write_text("changed")
    (root / "other.log").write_text("new")
    assert BuildContext.open(root).digest(".") == before
    (root / "src/a.py").write_text("print(2)")
    changed = BuildContext.open(root).digest(".")
    assert changed != before
    os.chmod(root / "src/a.py", 0o755)
    assert BuildContext.open(root).digest(".") != changed


def test_digest_ignores_timestamps(context):
    root = context({"a": "same"})
    before = BuildContext.open(root).digest("a")
    os.utime(root / "a", (1, 1))
    assert BuildContext.open(root).digest("a") == before


def test_archives_are_detected_by_content(context):
    root = context({"plain.tar": "not a tar"})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("x")
        tar.addfile(info, io.BytesIO(b""))
    (root / "rootfs.bin").write_bytes(buf.getvalue())
    (root / "rootfs.tgz").write_bytes(gzip.compress(buf.getvalue()))
    ctx = BuildContext.open(root)
    assert [ctx.resolve(n)[0].archive for n in ("plain.tar", "rootfs.bin", "rootfs.tgz")] == [False, True, True]


def test_context_must_be_a_directory(tmp_path):
    with pytest.raises(BuildContextError, match="not a directory"):
        BuildContext.open(tmp_path / "missing")


def test_a_named_symlink_source_is_followed_inside_the_context(context):
    root = context({"real/a.txt": "x"})
    os.symlink("real", root / "link")
    os.symlink("/etc", root / "outside")
    ctx = BuildContext.open(root)
    link = ctx.resolve("link")[0]
    assert (link.kind, link.digest) == ("dir", ctx.digest("real"))
    assert ctx.resolve("outside")[0].kind == "symlink"


def test_a_kept_hash_cache_is_reused_and_invalidated_by_changes(context):
    root = context({"a": "one"})
    cache: dict[str, str] = {}
    first = BuildContext.open(root, hashes=cache).digest("a")
    assert list(cache.values()) == [first]
    (root / "a").write_text("two")
    assert BuildContext.open(root, hashes=cache).digest("a") != first


def test_entries_are_what_a_copy_of_the_source_copies(context):
    from runtime.images.dockerignore import compile_patterns
    root = context({".dockerignore": "app/*.log\n", "app/main.py": "", "app/debug.log": "", "app/docs/x.md": "",
                    "one.txt": ""})
    ctx = BuildContext.open(root)
    assert [name for name, _, _ in ctx.entries("one.txt")] == ["one.txt"]
    assert [name for name, _, _ in ctx.entries("app")] == ["docs", "docs/x.md", "main.py"]
    exclude = compile_patterns(["docs"])
    assert [name for name, _, _ in ctx.entries("app", exclude)] == ["main.py"]
