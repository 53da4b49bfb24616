"""unpack_layer: entry types, replacement rules, metadata, formats, compression and the diff_id."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runtime.errors import LayerError
from runtime.images.layers import unpack_layer
from tests.support import tarbuild as tb


def _unpack(tmp_path: Path, data: bytes, **kw: object) -> tuple[Path, str]:
    blob = tmp_path / "layer.blob"
    blob.write_bytes(data)
    dest = tmp_path / "dest"
    return dest, unpack_layer(blob, dest, **kw)  # type: ignore[arg-type]


def test_regular_files_dirs_and_symlinks_are_created_with_content_modes_and_mtimes(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(
        tb.directory("etc", mtime=1_500_000_000),
        tb.file("etc/motd", b"hello\n", mode=0o640, mtime=1_400_000_000),
        tb.symlink("etc/link", "/nowhere/at/all"),
    ))
    assert (dest / "etc/motd").read_bytes() == b"hello\n"
    assert stat.S_IMODE(os.stat(dest / "etc/motd").st_mode) == 0o640
    assert os.stat(dest / "etc/motd").st_mtime == 1_400_000_000
    assert os.readlink(dest / "etc/link") == "/nowhere/at/all"
    assert os.stat(dest / "etc").st_mtime == 1_500_000_000  # set after its contents were written


def test_setuid_and_sticky_bits_are_kept(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("su", b"x", mode=0o4755), tb.directory("tmp", mode=0o1777)))
    assert stat.S_IMODE(os.stat(dest / "su").st_mode) == 0o4755
    assert stat.S_IMODE(os.stat(dest / "tmp").st_mode) == 0o1777


def test_read_only_directory_still_receives_its_contents(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.directory("ro", mode=0o555), tb.file("ro/f", b"in")))
    assert (dest / "ro/f").read_bytes() == b"in"
    assert stat.S_IMODE(os.stat(dest / "ro").st_mode) == 0o555


def test_missing_parent_directories_are_created(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("a/b/c", b"deep")))
    assert (dest / "a/b/c").read_bytes() == b"deep"
    assert stat.S_IMODE(os.stat(dest / "a/b").st_mode) == 0o755


def test_hardlink_shares_the_inode_of_an_earlier_entry(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("bin/busybox", b"elf"), tb.hardlink("bin/sh", "bin/busybox")))
    assert os.stat(dest / "bin/sh").st_ino == os.stat(dest / "bin/busybox").st_ino


def test_hardlink_to_itself_is_a_no_op(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("f", b"x"), tb.hardlink("f", "f")))
    assert (dest / "f").read_bytes() == b"x"


def test_fifo_is_created(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.fifo("pipe")))
    assert stat.S_ISFIFO(os.lstat(dest / "pipe").st_mode)


def test_file_over_file_is_replaced(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("f", b"old"), tb.file("f", b"new")))
    assert (dest / "f").read_bytes() == b"new"


def test_dir_over_dir_is_merged_and_takes_the_new_metadata(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(
        tb.directory("d", mode=0o700), tb.file("d/a", b"a"), tb.directory("d", mode=0o750), tb.file("d/b", b"b")))
    assert sorted(os.listdir(dest / "d")) == ["a", "b"]
    assert stat.S_IMODE(os.stat(dest / "d").st_mode) == 0o750


def test_non_directory_over_a_directory_removes_the_directory_tree(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.directory("d"), tb.file("d/sub/f", b"x"), tb.symlink("d", "elsewhere")))
    assert os.readlink(dest / "d") == "elsewhere"


def test_directory_over_a_file_replaces_the_file(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.file("d", b"x"), tb.directory("d"), tb.file("d/f", b"y")))
    assert (dest / "d/f").read_bytes() == b"y"


def test_root_directory_entry_sets_the_destination_mode(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.directory("./", mode=0o751), tb.file("./f", b"x")))
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o751
    assert (dest / "f").read_bytes() == b"x"


def test_ustar_prefix_gnu_longname_and_pax_path_give_long_names(tmp_path):
    long_dir, long_name = "p" * 120, "n" * 200
    dest, _ = _unpack(tmp_path, tb.archive(
        tb.file("short", b"1", prefix=long_dir),
        tb.gnu_longname(f"{long_dir}/{long_name}"), tb.file("ignored", b"2"),
        tb.pax({"path": f"{long_dir}/{long_name}.pax", "mtime": "1234567890.5"}), tb.file("ignored", b"3"),
    ))
    assert (dest / long_dir / "short").read_bytes() == b"1"
    assert (dest / long_dir / long_name).read_bytes() == b"2"
    assert (dest / long_dir / f"{long_name}.pax").read_bytes() == b"3"
    assert os.stat(dest / long_dir / f"{long_name}.pax").st_mtime_ns == 1_234_567_890_500_000_000


def test_pax_size_overrides_the_header_and_global_headers_are_ignored(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(
        tb.pax({"comment": "hi"}, typeflag=b"g"),
        tb.pax({"size": "5"}), tb.header("f", size=0) + tb.pad(b"12345")))
    assert (dest / "f").read_bytes() == b"12345"


def test_base256_numbers_are_decoded(tmp_path):
    field = b"\x80" + (7).to_bytes(11, "big")
    dest, _ = _unpack(tmp_path, tb.archive(tb.header("f", size_field=field) + tb.pad(b"seven!!")))
    assert (dest / "f").read_bytes() == b"seven!!"


def test_user_xattrs_from_pax_records_are_set(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.pax({"SCHILY.xattr.user.note": b"v\x00\xff"}), tb.file("f", b"x")))
    try:
        value = os.getxattr(dest / "f", "user.note")
    except OSError:
        pytest.skip("filesystem without user xattrs")
    assert value == b"v\x00\xff"


def test_header_only_types_carry_no_data_even_with_a_size(tmp_path):
    dest, _ = _unpack(tmp_path, tb.archive(tb.header("d", typeflag=b"5", size=999, mode=0o755), tb.file("d/f", b"x")))
    assert (dest / "d/f").read_bytes() == b"x"


def test_diff_id_is_the_sha256_of_the_whole_uncompressed_stream_including_padding(tmp_path):
    tar = tb.archive(tb.file("f", b"content")) + bytes(10 * 512)
    _, diff_id = _unpack(tmp_path, tb.gzip(tar))
    assert diff_id == tb.sha256(tar)


@pytest.mark.parametrize("compress", [tb.gzip, tb.zstd, lambda data: data], ids=["gzip", "zstd", "none"])
def test_compression_is_detected_from_the_bytes(tmp_path, compress):
    tar = tb.archive(tb.file("f", b"x" * 3_000_000))
    dest, diff_id = _unpack(tmp_path, compress(tar))
    assert (dest / "f").read_bytes() == b"x" * 3_000_000
    assert diff_id == tb.sha256(tar)


def test_a_wrong_media_type_hint_does_not_override_the_magic_bytes(tmp_path):
    tar = tb.archive(tb.file("f", b"plain"))
    dest, _ = _unpack(tmp_path, tar, media_type="application/vnd.oci.image.layer.v1.tar+gzip")
    assert (dest / "f").read_bytes() == b"plain"


def test_multi_member_gzip_is_read_to_the_end(tmp_path):
    tar = tb.archive(tb.file("a", b"1"), tb.file("b", b"2"))
    dest, diff_id = _unpack(tmp_path, tb.gzip(tar[:1024]) + tb.gzip(tar[1024:]) + bytes(100))
    assert sorted(os.listdir(dest)) == ["a", "b"]
    assert diff_id == tb.sha256(tar)


def test_a_file_like_source_is_accepted(tmp_path):
    blob = tmp_path / "layer.tgz"
    blob.write_bytes(tb.gzip(tb.archive(tb.file("f", b"x"))))
    with open(blob, "rb") as fh:
        unpack_layer(fh, tmp_path / "dest")
    assert (tmp_path / "dest/f").read_bytes() == b"x"


def test_whiteout_names_are_only_whiteouts_never_files(tmp_path):
    """In the overlay form the whiteout is a device node (root) or a clear error; never a file named .wh.*."""
    blob = tmp_path / "layer.tar"
    blob.write_bytes(tb.archive(tb.file(".wh.gone")))
    try:
        unpack_layer(blob, tmp_path / "dest")
    except LayerError as exc:  # unprivileged: the documented error
        assert "needs a 0/0 character device" in str(exc)
    assert not (tmp_path / "dest/.wh.gone").exists()


def test_very_deep_paths_are_unpacked_without_running_out_of_descriptors(tmp_path):
    deep = "/".join(["d"] * 300)  # beyond the cached depth; shallow enough for pytest's own cleanup
    members = [tb.pax({"path": f"{deep}/f{i}"}) + tb.file("x", b"%d" % i) for i in range(300)]
    dest, _ = _unpack(tmp_path, tb.archive(*members, tb.pax({"linkpath": f"{deep}/f7"}), tb.hardlink("top", "x")))
    assert (dest / deep / "f299").read_bytes() == b"299"
    assert (dest / "top").read_bytes() == b"7"
    assert len(os.listdir("/proc/self/fd")) < 100


def test_a_deep_directory_tree_is_removed_when_a_file_replaces_it(tmp_path):
    deep = "/".join(["d"] * 300)
    dest, _ = _unpack(tmp_path, tb.archive(tb.pax({"path": f"top/{deep}/f"}), tb.file("x", b"1"),
                                           tb.symlink("top/d/link", "/"), tb.file("top", b"flat")))
    assert (dest / "top").read_bytes() == b"flat"


def test_multi_frame_zstd_is_read_to_the_end(tmp_path):
    tar = tb.archive(tb.file("a", b"1"), tb.file("b", b"2"))
    dest, diff_id = _unpack(tmp_path, tb.zstd(tar[:1024]) + tb.zstd(tar[1024:]))
    assert sorted(os.listdir(dest)) == ["a", "b"]
    assert diff_id == tb.sha256(tar)


def test_a_gzip_bomb_is_streamed_not_held_in_memory(tmp_path):
    """128 MB of zeros inside one file: decompressed chunk by chunk, written out, hashed."""
    import resource
    import zlib

    size = 128 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = [comp.compress(tb.header("zeros", size=size))]
    zero = bytes(1 << 20)
    body += [comp.compress(zero) for _ in range(size >> 20)]
    body += [comp.compress(tb.end()), comp.flush()]
    blob = b"".join(body)
    assert len(blob) < 1 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    dest, _ = _unpack(tmp_path, blob)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert os.path.getsize(dest / "zeros") == size
    assert grown_mb < 64
