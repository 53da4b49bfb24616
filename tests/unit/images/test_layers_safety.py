"""Hostile layer archives are refused with a LayerError, and nothing is ever written outside the destination."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.errors import LayerError
from runtime.images.layers import apply_layer, unpack_layer
from tests.support import tarbuild as tb


@pytest.fixture
def box(tmp_path: Path) -> dict[str, Path]:
    """A destination, an empty sentinel dir beside it, and an outside dir holding a secret file."""
    dest, sentinel, outside = tmp_path / "dest", tmp_path / "sentinel", tmp_path / "outside"
    for d in (dest, sentinel, outside):
        d.mkdir()
    (outside / "secret").write_bytes(b"secret")
    return {"dest": dest, "sentinel": sentinel, "outside": outside, "tmp": tmp_path}


def _refused(box: dict[str, Path], data: bytes, match: str, *, apply: bool = False) -> LayerError:
    blob = box["tmp"] / "layer.tar"
    blob.write_bytes(data)
    with pytest.raises(LayerError, match=match) as info:
        (apply_layer if apply else unpack_layer)(blob, box["dest"])
    assert list(box["sentinel"].iterdir()) == []
    assert sorted(p.name for p in box["outside"].iterdir()) == ["secret"]
    assert (box["outside"] / "secret").read_bytes() == b"secret"
    assert os.stat(box["outside"] / "secret").st_nlink == 1
    assert sorted(p.name for p in box["tmp"].iterdir()) == ["dest", "layer.tar", "outside", "sentinel"]
    return info.value


def test_dotdot_path_that_climbs_out_is_refused(box):
    _refused(box, tb.archive(tb.file("../sentinel/x", b"pwn")), "escapes the layer root")


def test_dotdot_deep_inside_a_path_that_climbs_out_is_refused(box):
    _refused(box, tb.archive(tb.directory("a"), tb.file("a/../../sentinel/x", b"pwn")), "escapes")


def test_dotdot_that_stays_inside_is_resolved_lexically(box):
    blob = box["tmp"] / "layer.tar"
    blob.write_bytes(tb.archive(tb.directory("a"), tb.file("a/../b", b"ok")))
    unpack_layer(blob, box["dest"])
    assert (box["dest"] / "b").read_bytes() == b"ok"


def test_absolute_path_is_made_relative_to_the_layer_root(box):
    target = box["sentinel"] / "x"
    blob = box["tmp"] / "layer.tar"
    blob.write_bytes(tb.archive(tb.file(str(target), b"inside")))
    unpack_layer(blob, box["dest"])
    assert (box["dest"] / str(target).lstrip("/")).read_bytes() == b"inside"
    assert list(box["sentinel"].iterdir()) == []


def test_file_under_a_symlink_to_outside_is_refused(box):
    data = tb.archive(tb.symlink("evil", str(box["sentinel"])), tb.file("evil/x", b"pwn"))
    _refused(box, data, "is a symlink")


def test_file_under_a_relative_symlink_dir_is_refused(box):
    data = tb.archive(tb.directory("a"), tb.symlink("a/up", "../../sentinel"), tb.file("a/up/x", b"pwn"))
    _refused(box, data, "is a symlink")


def test_directory_under_a_symlink_is_refused(box):
    data = tb.archive(tb.symlink("evil", str(box["sentinel"])), tb.directory("evil/sub"))
    _refused(box, data, "is a symlink")


def test_file_entry_over_a_symlink_replaces_the_link_and_never_writes_through_it(box):
    blob = box["tmp"] / "layer.tar"
    blob.write_bytes(tb.archive(tb.symlink("evil", str(box["outside"] / "secret")), tb.file("evil", b"new")))
    unpack_layer(blob, box["dest"])
    assert not (box["dest"] / "evil").is_symlink()
    assert (box["dest"] / "evil").read_bytes() == b"new"
    assert (box["outside"] / "secret").read_bytes() == b"secret"


def test_hardlink_to_a_path_outside_is_refused(box):
    _refused(box, tb.archive(tb.hardlink("h", "../outside/secret")), "escapes the layer root")


def test_hardlink_to_an_absolute_path_stays_inside_and_needs_an_earlier_entry(box):
    data = tb.archive(tb.hardlink("h", str(box["outside"] / "secret")))
    _refused(box, data, "target is not in the layer")


def test_hardlink_through_a_symlink_is_refused(box):
    data = tb.archive(tb.symlink("s", str(box["outside"])), tb.hardlink("h", "s/secret"))
    _refused(box, data, "is a symlink")


def test_whiteout_through_a_symlink_in_apply_mode_is_refused(box):
    data = tb.archive(tb.symlink("s", str(box["outside"])), tb.file("s/.wh.secret"))
    _refused(box, data, "is a symlink", apply=True)


def test_opaque_marker_under_a_symlink_in_apply_mode_is_refused(box):
    data = tb.archive(tb.symlink("s", str(box["outside"])), tb.file("s/.wh..wh..opq"))
    _refused(box, data, "is a symlink", apply=True)


@pytest.mark.parametrize("name", [".wh..wh.other", "a/.wh..wh.x", ".wh..", ".wh."])
def test_reserved_whiteout_names_other_than_the_opaque_marker_are_refused(box, name):
    data = tb.archive(tb.directory("a"), tb.file(name))
    _refused(box, data, "invalid whiteout name", apply=True)


def test_giant_pax_header_is_refused_before_it_is_read(box):
    data = tb.pax_raw(b"", declared_size=1 << 30) + tb.file("x")
    _refused(box, data, "exceeds the 1048576-byte limit")


def test_pax_path_with_nul_is_refused(box):
    data = tb.archive(tb.pax({"path": b"a\0../../sentinel/x"}), tb.file("placeholder", b"pwn"))
    _refused(box, data, "contains a NUL byte")


def test_pax_linkpath_with_nul_is_refused(box):
    data = tb.archive(tb.file("t"), tb.pax({"linkpath": b"t\0x"}), tb.hardlink("h", "t"))
    _refused(box, data, "contains a NUL byte")


def test_malformed_pax_record_is_refused(box):
    data = tb.archive(tb.pax_raw(b"99999 path=x\n"), tb.file("x"))
    _refused(box, data, "malformed pax")


def test_overlong_gnu_name_is_refused(box):
    data = tb.archive(tb.gnu_longname("a/" * 3000), tb.file("x"))
    _refused(box, data, "longer than 4096 bytes")


def test_overlay_internal_xattr_in_an_entry_is_refused(box):
    data = tb.archive(tb.pax({"SCHILY.xattr.trusted.overlay.redirect": "/etc"}), tb.directory("d"))
    _refused(box, data, "overlay-internal xattr")


def test_archive_truncated_inside_file_data_is_refused(box):
    data = tb.file("big", b"x" * 5000)[:3000]
    _refused(box, data, "truncated inside file")


def test_archive_without_end_marker_is_refused(box):
    _refused(box, tb.file("x", b"data"), "no end-of-archive marker")


def test_header_with_bad_checksum_is_refused(box):
    _refused(box, tb.archive(tb.header("x", checksum=1)), "checksum mismatch")


def test_sparse_entries_are_refused(box):
    _refused(box, tb.archive(tb.header("x", typeflag=b"S")), "GNU sparse file")


def test_corrupted_gzip_is_refused(box):
    blob = bytearray(tb.gzip(os.urandom(200_000) + tb.archive(tb.file("x", b"y"))))
    blob[len(blob) // 2] ^= 0xFF
    blob[len(blob) // 2 + 1] ^= 0xFF
    _refused(box, bytes(blob), "gzip")


def test_truncated_gzip_is_refused(box):
    blob = tb.gzip(tb.archive(tb.file("x", os.urandom(100_000))))
    _refused(box, blob[: len(blob) - 100], "gzip stream is truncated|truncated")


def test_garbage_after_gzip_stream_is_refused(box):
    _refused(box, tb.gzip(tb.archive(tb.file("x"))) + b"garbage", "garbage after the end of the gzip stream")


def test_corrupted_zstd_is_refused(box):
    blob = bytearray(tb.zstd(tb.archive(tb.file("x", os.urandom(50_000)))))
    blob[len(blob) // 2] ^= 0xFF
    _refused(box, bytes(blob), "zstd")


def test_root_entry_that_is_not_a_directory_is_refused(box):
    _refused(box, tb.archive(tb.file("./", b"")[:0] + tb.symlink(".", "/")), "would replace the layer root")


def test_parent_that_is_a_regular_file_is_refused(box):
    _refused(box, tb.archive(tb.file("f", b"x"), tb.file("f/child", b"y")), "not a directory")


def test_hardlink_that_would_replace_its_own_target_directory_is_refused(box):
    data = tb.archive(tb.directory("a"), tb.file("a/f", b"x"), tb.hardlink("a", "a/f"))
    _refused(box, data, "would replace its target")


def test_negative_size_is_refused(box):
    _refused(box, tb.archive(tb.header("x", size_field=b"-0000000001\0")), "negative size")


def test_non_octal_numbers_are_refused(box):
    _refused(box, tb.archive(tb.header("x", size_field=b"00000009999\0")), "bad size field")


def test_many_extended_headers_before_one_entry_are_bounded_in_total(box):
    chunk = tb.pax({f"comment{i}": "x" * 1000 for i in range(900)})  # ~0.9 MiB each, distinct keys
    _refused(box, tb.archive(chunk, chunk, tb.file("x")), "exceeds the 1048576-byte limit")


def test_directory_entry_over_a_symlink_replaces_the_link_before_anything_is_written_below(box):
    blob = box["tmp"] / "layer.tar"
    blob.write_bytes(tb.archive(tb.symlink("d", str(box["sentinel"])), tb.directory("d"), tb.file("d/x", b"in")))
    unpack_layer(blob, box["dest"])
    assert (box["dest"] / "d/x").read_bytes() == b"in"
    assert not (box["dest"] / "d").is_symlink()
    assert list(box["sentinel"].iterdir()) == []
