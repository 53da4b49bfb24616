"""create_layer: deterministic blobs that unpack back to the same tree; diffs against a base tree."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from runtime.errors import LayerError
from runtime.images.layers import LayerDigests, apply_layer, create_layer, unpack_layer
from tests.support.layertree import snapshot


def _tree(root: Path) -> Path:
    """Files with varied modes, an empty dir, symlinks (relative, absolute, dangling), hardlinks, long names."""
    (root / "etc/ssl").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "etc/motd").write_bytes(b"welcome\n")
    (root / "etc/secret").write_bytes(b"s")
    os.chmod(root / "etc/secret", 0o600)
    (root / "bin").mkdir()
    (root / "bin/busybox").write_bytes(os.urandom(300_000))
    os.chmod(root / "bin/busybox", 0o4755)
    os.link(root / "bin/busybox", root / "bin/sh")
    os.symlink("busybox", root / "bin/ls")
    os.symlink("/etc/motd", root / "etc/abs")
    os.symlink("../nowhere", root / "etc/dangling")
    deep = root / ("d" * 90) / ("e" * 90) / ("f" * 90)
    deep.mkdir(parents=True)
    (deep / ("g" * 150)).write_bytes(b"long")
    os.symlink("x" * 150, root / "longlink")
    os.mkfifo(root / "fifo")
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    return root


def _copy(src: Path, dst: Path) -> None:
    """An exact copy (times, hardlinks, fifos), as a base and its successor share unchanged files."""
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _tree(tmp_path / "src")


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_round_trip_preserves_content_modes_symlinks_hardlinks_and_mtimes(tmp_path, tree, compression):
    blob = tmp_path / "layer"
    digests = create_layer(tree, blob, compression=compression)
    diff_id = unpack_layer(blob, tmp_path / "out")
    assert snapshot(tmp_path / "out") == snapshot(tree)
    assert diff_id == digests.diff_id


def test_digests_describe_the_written_blob(tmp_path, tree):
    blob = tmp_path / "layer.tar.gz"
    digests = create_layer(tree, blob)
    data = blob.read_bytes()
    assert isinstance(digests, LayerDigests)
    assert digests.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert digests.size == len(data)
    assert digests.media_type == "application/vnd.oci.image.layer.v1.tar+gzip"
    import gzip

    assert digests.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(data)).hexdigest()


@pytest.mark.parametrize("compression,media_type", [
    ("zstd", "application/vnd.oci.image.layer.v1.tar+zstd"), ("none", "application/vnd.oci.image.layer.v1.tar")])
def test_media_type_follows_the_compression(tmp_path, tree, compression, media_type):
    assert create_layer(tree, tmp_path / "l", compression=compression).media_type == media_type


def test_same_input_gives_identical_bytes(tmp_path, tree):
    first, second = tmp_path / "a.tgz", tmp_path / "b.tgz"
    assert create_layer(tree, first) == create_layer(tree, second)
    assert first.read_bytes() == second.read_bytes()


def test_fixed_mtime_makes_trees_with_different_times_identical(tmp_path, tree):
    other = tmp_path / "other"
    _copy(tree, other)
    os.utime(other / "etc/motd", (1, 1))
    a = create_layer(tree, tmp_path / "a", mtime=0)
    b = create_layer(other, tmp_path / "b", mtime=0)
    assert a.digest == b.digest


def test_entries_are_in_name_order_with_each_directory_before_its_contents(tmp_path, tree):
    blob = tmp_path / "l.tar"
    create_layer(tree, blob, compression="none")
    with tarfile.open(blob) as tf:
        names = [m.name for m in tf.getmembers()]
    assert names == sorted(names, key=lambda n: n.encode().split(b"/"))
    assert names.index("bin") < names.index("bin/busybox") < names.index("bin/sh")
    with tarfile.open(blob) as tf:
        assert tf.getmember("bin/sh").islnk() and tf.getmember("bin/sh").linkname == "bin/busybox"


def test_unknown_compression_is_refused(tmp_path, tree):
    with pytest.raises(LayerError, match="unknown compression 'lz4'"):
        create_layer(tree, tmp_path / "l", compression="lz4")


def test_missing_source_is_refused_and_nothing_is_left_behind(tmp_path):
    with pytest.raises(LayerError, match="is not a directory"):
        create_layer(tmp_path / "missing", tmp_path / "l")
    assert list(tmp_path.iterdir()) == []


def _changed_copy(tree: Path, new: Path) -> None:
    _copy(tree, new)
    (new / "etc/motd").write_bytes(b"changed\n")
    (new / "etc/added").write_bytes(b"added")
    (new / "etc/secret").unlink()
    shutil.rmtree(new / ("d" * 90))
    (new / "bin/ls").unlink()
    os.symlink("elsewhere", new / "bin/ls")
    (new / "empty/inner").mkdir()
    (new / "fifo").unlink()
    (new / "fifo").mkdir()


def test_diff_against_a_base_holds_only_changes_and_whiteouts(tmp_path, tree):
    new = tmp_path / "new"
    _changed_copy(tree, new)
    blob = tmp_path / "diff.tar"
    create_layer(new, blob, base=tree, compression="none")
    with tarfile.open(blob) as tf:
        names = [m.name for m in tf.getmembers()]
    # in name order of what changed; a whiteout sits where the deleted name would sort
    assert names == ["bin", "bin/ls", ".wh." + "d" * 90, "empty", "empty/inner", "etc", "etc/added", "etc/motd",
                     "etc/.wh.secret", "fifo"]


def test_diff_applied_to_the_base_reproduces_the_new_tree(tmp_path, tree):
    new = tmp_path / "new"
    _changed_copy(tree, new)
    blob = tmp_path / "diff.tgz"
    create_layer(new, blob, base=tree)
    flat = tmp_path / "flat"
    _copy(tree, flat)
    apply_layer(blob, flat)
    assert snapshot(flat, times=False) == snapshot(new, times=False)


def test_diff_of_identical_trees_is_an_empty_layer(tmp_path, tree):
    blob = tmp_path / "diff.tar"
    create_layer(tree, blob, base=tree, compression="none")
    with tarfile.open(blob) as tf:
        assert tf.getmembers() == []
