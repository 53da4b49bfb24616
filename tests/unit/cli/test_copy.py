"""`dockyard cp`: paths in the container resolve inside its root (symlinks included) and never reach the host's
files; docker cp's directory rules; a stopped container is refused with the fix."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from compose import copy
from compose.errors import ComposeError


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A container root: /etc/hostname, /data/a.txt, /link -> /etc (absolute), /up -> ../../.. (climbing)."""
    base = tmp_path / "rootfs"
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "hostname").write_text("box\n")
    (base / "data").mkdir()
    (base / "data" / "a.txt").write_text("a\n")
    os.symlink("/etc", base / "link")
    os.symlink("../../..", base / "up")
    return base


def test_an_absolute_symlink_resolves_inside_the_container_root(root: Path):
    assert copy.resolve(root, "/link/hostname") == root / "etc" / "hostname"


def test_dot_dot_never_climbs_above_the_container_root(root: Path):
    assert copy.resolve(root, "/up/etc/hostname") == root / "etc" / "hostname"
    assert copy.resolve(root, "/../../etc/hostname") == root / "etc" / "hostname"


def test_a_missing_tail_is_kept_as_given(root: Path):
    assert copy.resolve(root, "/link/new/file") == root / "etc" / "new" / "file"


def test_symlink_loops_are_an_error(root: Path):
    os.symlink("/loop", root / "loop")
    with pytest.raises(ComposeError, match="too many symbolic links"):
        copy.resolve(root, "/loop/x")


def test_copy_in_through_a_planted_link_writes_inside_the_container(root: Path, tmp_path: Path):
    src = tmp_path / "in.txt"
    src.write_text("hello\n")
    assert copy.copy_in(root, str(src), "/link/planted") == "/link/planted"
    assert (root / "etc" / "planted").read_text() == "hello\n"


def test_copy_in_replaces_a_symlink_at_the_destination_instead_of_following_it(root: Path, tmp_path: Path):
    outside = tmp_path / "host-secret"
    outside.write_text("keep\n")
    os.symlink(str(outside), root / "data" / "b.txt")
    src = tmp_path / "b.txt"
    src.write_text("new\n")
    copy.copy_in(root, str(src), "/data/b.txt")
    assert outside.read_text() == "keep\n"
    assert (root / "data" / "b.txt").read_text() == "new\n" and not (root / "data" / "b.txt").is_symlink()


def test_copy_in_a_directory_into_an_existing_directory_keeps_its_name(root: Path, tmp_path: Path):
    tree = tmp_path / "conf"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "x").write_text("x\n")
    assert copy.copy_in(root, str(tree), "/data") == "/data/conf"
    assert (root / "data" / "conf" / "sub" / "x").read_text() == "x\n"


def test_dir_dot_copies_the_contents_only(root: Path, tmp_path: Path):
    tree = tmp_path / "conf"
    tree.mkdir()
    (tree / "y").write_text("y\n")
    copy.copy_in(root, f"{tree}/.", "/data")
    assert (root / "data" / "y").read_text() == "y\n"


def test_copy_out_to_a_host_directory_and_as_a_tar_stream(root: Path, tmp_path: Path):
    dest = tmp_path / "out"
    dest.mkdir()
    assert copy.copy_out(root, "/link/hostname", str(dest)) == dest / "hostname"
    assert (dest / "hostname").read_text() == "box\n"
    stream = io.BytesIO()
    copy.copy_out(root, "/data", "-", stream)
    with tarfile.open(fileobj=io.BytesIO(stream.getvalue())) as tar:
        names = tar.getnames()
    assert sorted(names) == ["data", "data/a.txt"]


def test_copy_out_of_a_missing_path_names_it(root: Path, tmp_path: Path):
    with pytest.raises(ComposeError, match="no such file or directory in the container: /nope"):
        copy.copy_out(root, "/nope", str(tmp_path))


def test_targets_with_a_colon_name_a_container():
    assert copy.parse_target("web:/etc/x") == copy.CopyTarget("web", "/etc/x")
    assert copy.parse_target("./a:b") == copy.CopyTarget(None, "./a:b")
    assert copy.parse_target("/tmp/x") == copy.CopyTarget(None, "/tmp/x")


def test_cp_needs_exactly_one_container_side(dy):
    result = dy("cp", "a.txt", "b.txt")
    assert result.exit_code == 1
    assert "exactly one side must be a container path" in result.stderr


def test_cp_of_a_stopped_service_container_goes_through_the_runtime_s_view_of_its_files(dy, tmp_path):
    dy("up", "-d")
    dy.rt.set_state("demo-web-1", "exited", 0)
    dy.rt.fs_base = tmp_path / "fs"
    (tmp_path / "in.txt").write_text("hello\n")
    result = dy("cp", str(tmp_path / "in.txt"), "web:/in.txt")
    assert result.exit_code == 0, result.stderr
    box = next(b for b in dy.rt.boxes.values() if b.spec.name == "demo-web-1")
    assert (tmp_path / "fs" / box.id / "in.txt").read_text() == "hello\n"
    out = dy("cp", "web:/in.txt", str(tmp_path / "back.txt"))
    assert out.exit_code == 0, out.stderr
    assert (tmp_path / "back.txt").read_text() == "hello\n"
    assert dy.rt.calls.count("fs demo-web-1") == 2
