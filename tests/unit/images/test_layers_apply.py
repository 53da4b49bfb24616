"""apply_layer: a layer applied on top of a merged tree; whiteouts delete, opaque markers empty directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.images.layers import apply_layer
from tests.support import tarbuild as tb
from tests.support.layertree import listing


@pytest.fixture
def merged(tmp_path: Path) -> Path:
    """A lower tree: etc/{keep,gone}, var/cache/{a,b/c}, bin -> usr/bin."""
    root = tmp_path / "merged"
    blob = tmp_path / "lower.tar"
    blob.write_bytes(tb.archive(
        tb.directory("etc"), tb.file("etc/keep", b"k"), tb.file("etc/gone", b"g"),
        tb.directory("var/cache"), tb.file("var/cache/a", b"a"), tb.file("var/cache/b/c", b"c"),
        tb.directory("usr/bin"), tb.symlink("bin", "usr/bin"),
    ))
    apply_layer(blob, root)
    return root


def _apply(tmp_path: Path, root: Path, *members: bytes) -> str:
    blob = tmp_path / "upper.tar.gz"
    blob.write_bytes(tb.gzip(tb.archive(*members)))
    return apply_layer(blob, root)


def test_whiteout_deletes_a_file(tmp_path, merged):
    _apply(tmp_path, merged, tb.file("etc/.wh.gone"))
    assert listing(merged / "etc") == ["keep"]


def test_whiteout_deletes_a_directory_with_its_contents(tmp_path, merged):
    _apply(tmp_path, merged, tb.file("var/.wh.cache"))
    assert listing(merged / "var") == []


def test_whiteout_deletes_a_symlink_not_its_target(tmp_path, merged):
    _apply(tmp_path, merged, tb.file(".wh.bin"))
    assert not os.path.lexists(merged / "bin")
    assert (merged / "usr/bin").is_dir()


def test_whiteout_of_a_missing_name_or_under_a_missing_dir_is_a_no_op(tmp_path, merged):
    before = listing(merged)
    _apply(tmp_path, merged, tb.file("etc/.wh.never"), tb.file("nodir/.wh.x"))
    assert listing(merged) == before


def test_opaque_marker_empties_the_directory_of_lower_content(tmp_path, merged):
    _apply(tmp_path, merged, tb.directory("var/cache"), tb.file("var/cache/.wh..wh..opq"), tb.file("var/cache/new"))
    assert listing(merged / "var/cache") == ["new"]


def test_opaque_marker_keeps_what_the_same_layer_wrote_before_it(tmp_path, merged):
    _apply(tmp_path, merged,
           tb.directory("var/cache"), tb.file("var/cache/early", b"e"), tb.file("var/cache/b/mine", b"m"),
           tb.file("var/cache/.wh..wh..opq"))
    assert listing(merged / "var/cache") == ["b", "b/mine", "early"]


def test_opaque_marker_on_a_new_directory_creates_it_empty(tmp_path, merged):
    _apply(tmp_path, merged, tb.file("fresh/.wh..wh..opq"))
    assert (merged / "fresh").is_dir() and listing(merged / "fresh") == []


def test_added_and_changed_files_land_on_top(tmp_path, merged):
    _apply(tmp_path, merged, tb.file("etc/keep", b"changed"), tb.file("etc/added", b"new"))
    assert (merged / "etc/keep").read_bytes() == b"changed"
    assert (merged / "etc/added").read_bytes() == b"new"
    assert (merged / "var/cache/a").read_bytes() == b"a"


def test_hardlink_may_point_at_a_lower_file(tmp_path, merged):
    _apply(tmp_path, merged, tb.hardlink("etc/alias", "etc/keep"))
    assert os.stat(merged / "etc/alias").st_ino == os.stat(merged / "etc/keep").st_ino


def test_entry_under_a_lower_symlink_is_refused_rather_than_followed(tmp_path, merged):
    from runtime.errors import LayerError

    with pytest.raises(LayerError, match="is a symlink"):
        _apply(tmp_path, merged, tb.file("bin/sh", b"x"))
    assert listing(merged / "usr/bin") == []


def test_apply_returns_the_diff_id(tmp_path, merged):
    tar = tb.archive(tb.file("x", b"1"))
    blob = tmp_path / "l.tar"
    blob.write_bytes(tar)
    assert apply_layer(blob, merged) == tb.sha256(tar)


def _apply_resolving(tmp_path: Path, root: Path, *members: bytes) -> str:
    blob = tmp_path / "upper.tar"
    blob.write_bytes(tb.archive(*members))
    return apply_layer(blob, root, resolve_symlinks=True)


def test_resolving_mode_follows_a_lower_symlink_inside_the_root(tmp_path, merged):
    _apply_resolving(tmp_path, merged, tb.file("bin/sh", b"sh"), tb.hardlink("bin/ash", "bin/sh"))
    assert (merged / "usr/bin/sh").read_bytes() == b"sh"
    assert os.stat(merged / "usr/bin/ash").st_ino == os.stat(merged / "usr/bin/sh").st_ino
    assert os.readlink(merged / "bin") == "usr/bin"


def test_resolving_mode_treats_absolute_targets_as_relative_to_the_root(tmp_path, merged):
    _apply_resolving(tmp_path, merged, tb.symlink("lib", "/usr/lib"), tb.file("lib/libc.so", b"c"))
    assert (merged / "usr/lib/libc.so").read_bytes() == b"c"


def test_resolving_mode_never_leaves_the_root(tmp_path, merged):
    outside = tmp_path / "outside"
    outside.mkdir()
    _apply_resolving(tmp_path, merged,
                     tb.symlink("up", "../../../../../../../.."), tb.file("up/escaped", b"1"),
                     tb.symlink("abs", str(outside)), tb.file("abs/escaped", b"2"))
    assert list(outside.iterdir()) == []
    assert (merged / "escaped").read_bytes() == b"1"
    assert (merged / str(outside).lstrip("/") / "escaped").read_bytes() == b"2"


def test_resolving_mode_refuses_symlink_loops(tmp_path, merged):
    from runtime.errors import LayerError

    with pytest.raises(LayerError, match="too many levels of symlinks"):
        _apply_resolving(tmp_path, merged, tb.symlink("a", "b"), tb.symlink("b", "a"), tb.file("a/f", b"x"))
