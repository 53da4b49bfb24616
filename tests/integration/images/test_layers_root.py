"""Layer extraction as root: ownership, device nodes, capabilities, and whiteouts checked by a real overlay mount."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runtime.images.layers import apply_layer, create_layer, unpack_layer
from tests.support import tarbuild as tb
from tests.support.layertree import listing, snapshot

pytestmark = pytest.mark.root

# vfs_cap_data revision 2, effective flag, permitted = CAP_NET_BIND_SERVICE (bit 10)
CAP_NET_BIND = struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0)


@contextmanager
def overlay(mnt: Path, lower: list[Path], upper: Path | None = None, work: Path | None = None) -> Iterator[Path]:
    """Mount an overlay (lowers listed top first) on ``mnt`` and always unmount it."""
    opts = "lowerdir=" + ":".join(str(p) for p in lower)
    if upper is not None:
        opts += f",upperdir={upper},workdir={work}"
    mnt.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", opts, str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def _blob(tmp_path: Path, name: str, *members: bytes) -> Path:
    blob = tmp_path / name
    blob.write_bytes(tb.gzip(tb.archive(*members)))
    return blob


def test_ownership_and_setuid_are_kept(tmp_path):
    blob = _blob(tmp_path, "l.tgz",
                 tb.directory("home/u", uid=1000, gid=1000, mode=0o2750),
                 tb.file("home/u/su", b"x", uid=1000, gid=2000, mode=0o6755),
                 tb.symlink("home/u/link", "su", uid=1234, gid=4321))
    unpack_layer(blob, tmp_path / "out")
    st = os.stat(tmp_path / "out/home/u/su")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1000, 2000, 0o6755)
    st = os.stat(tmp_path / "out/home/u")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1000, 1000, 0o2750)
    st = os.lstat(tmp_path / "out/home/u/link")
    assert (st.st_uid, st.st_gid) == (1234, 4321)


def test_device_nodes_are_created(tmp_path):
    blob = _blob(tmp_path, "l.tgz", tb.device("dev/null", major=1, minor=3, mode=0o666),
                 tb.device("dev/loop9", char=False, major=7, minor=9, mode=0o660, gid=6))
    unpack_layer(blob, tmp_path / "out")
    null, loop = os.lstat(tmp_path / "out/dev/null"), os.lstat(tmp_path / "out/dev/loop9")
    assert stat.S_ISCHR(null.st_mode) and null.st_rdev == os.makedev(1, 3) and stat.S_IMODE(null.st_mode) == 0o666
    assert stat.S_ISBLK(loop.st_mode) and loop.st_rdev == os.makedev(7, 9) and loop.st_gid == 6


def test_file_capabilities_survive_extraction_after_chown(tmp_path):
    blob = _blob(tmp_path, "l.tgz", tb.pax({"SCHILY.xattr.security.capability": CAP_NET_BIND}),
                 tb.file("bin/ping", b"elf", uid=0, gid=0, mode=0o755))
    unpack_layer(blob, tmp_path / "out")
    assert os.getxattr(tmp_path / "out/bin/ping", "security.capability") == CAP_NET_BIND


def test_whiteouts_become_overlay_char_devices_and_opaque_xattrs(tmp_path):
    blob = _blob(tmp_path, "l.tgz", tb.file("etc/.wh.gone"), tb.directory("var/cache"),
                 tb.file("var/cache/.wh..wh..opq"), tb.file("var/cache/new", b"n"))
    unpack_layer(blob, tmp_path / "out")
    wh = os.lstat(tmp_path / "out/etc/gone")
    assert stat.S_ISCHR(wh.st_mode) and wh.st_rdev == 0
    assert os.getxattr(tmp_path / "out/var/cache", "trusted.overlay.opaque") == b"y"
    assert listing(tmp_path / "out") == ["etc", "etc/gone", "var", "var/cache", "var/cache/new"]


LOWER = (tb.directory("etc"), tb.file("etc/keep", b"k"), tb.file("etc/gone", b"g"), tb.directory("var/cache"),
         tb.file("var/cache/old", b"o"), tb.file("var/cache/sub/deep", b"d"), tb.symlink("lib", "usr/lib"))
UPPER = (tb.file("etc/.wh.gone"), tb.file(".wh.lib"), tb.directory("var/cache"), tb.file("var/cache/.wh..wh..opq"),
         tb.file("var/cache/new", b"n"), tb.file("etc/keep", b"changed"))


def test_overlay_of_unpacked_layers_shows_the_same_tree_as_flattening(tmp_path):
    lower, upper = _blob(tmp_path, "1.tgz", *LOWER), _blob(tmp_path, "2.tgz", *UPPER)
    unpack_layer(lower, tmp_path / "l1")
    unpack_layer(upper, tmp_path / "l2")
    for blob in (lower, upper):
        apply_layer(blob, tmp_path / "flat")
    with overlay(tmp_path / "mnt", [tmp_path / "l2", tmp_path / "l1"]) as mnt:
        merged = snapshot(mnt)
    assert merged == snapshot(tmp_path / "flat")
    assert sorted(merged) == ["etc", "etc/keep", "var", "var/cache", "var/cache/new"]
    assert (tmp_path / "flat/etc/keep").read_bytes() == b"changed"


def test_overlay_upper_dir_becomes_a_layer_with_whiteout_entries(tmp_path):
    unpack_layer(_blob(tmp_path, "1.tgz", *LOWER), tmp_path / "l1")
    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    with overlay(tmp_path / "mnt", [tmp_path / "l1"], upper, work) as mnt:
        (mnt / "etc/gone").unlink()
        subprocess.run(["rm", "-rf", str(mnt / "var/cache")], check=True)
        (mnt / "var/cache").mkdir()
        (mnt / "var/cache/new").write_bytes(b"n")
        (mnt / "added").write_bytes(b"a")
        expected = snapshot(mnt, times=False)
    digests = create_layer(upper, tmp_path / "build.tar", compression="none")
    with tarfile.open(tmp_path / "build.tar") as tf:
        members = {m.name: m for m in tf.getmembers()}
    assert sorted(members) == ["added", "etc", "etc/.wh.gone", "var", "var/cache", "var/cache/.wh..wh..opq",
                               "var/cache/new"]
    assert not any(k.startswith("SCHILY.xattr.trusted.overlay") for m in members.values() for k in m.pax_headers)
    flat = tmp_path / "flat"
    apply_layer(_blob(tmp_path, "again.tgz", *LOWER), flat)
    assert apply_layer(tmp_path / "build.tar", flat) == digests.diff_id
    assert snapshot(flat, times=False) == expected


def test_round_trip_as_root_keeps_owners_devices_and_xattrs(tmp_path):
    src = tmp_path / "src"
    (src / "dev").mkdir(parents=True)
    os.mknod(src / "dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    (src / "bin").mkdir()
    (src / "bin/ping").write_bytes(b"elf")
    os.chown(src / "bin/ping", 0, 0)
    os.chmod(src / "bin/ping", 0o755)
    os.setxattr(src / "bin/ping", "security.capability", CAP_NET_BIND)
    (src / "home").mkdir()
    os.chown(src / "home", 1000, 1000)
    os.symlink("nowhere", src / "home/link")
    os.chown(src / "home/link", 1000, 1001, follow_symlinks=False)
    create_layer(src, tmp_path / "l.tar.zst", compression="zstd")
    unpack_layer(tmp_path / "l.tar.zst", tmp_path / "out")
    assert snapshot(tmp_path / "out", owners=True, xattrs=True) == snapshot(src, owners=True, xattrs=True)


def _as_nobody(fn: Callable[[], object]) -> tuple[str, object]:
    """Run ``fn`` in a forked child with uid/gid 65534; return ("ok", result) or ("err", "Type: message")."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            result: tuple[str, object] = ("ok", fn())
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result = ("err", f"{type(exc).__name__}: {exc}")
        with os.fdopen(w, "wb") as fh:
            pickle.dump(result, fh)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A temporary directory an unprivileged child may write to."""
    path = Path(tempfile.mkdtemp(prefix="dy-layers-"))
    os.chmod(path, 0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_unprivileged_unpack_skips_devices_and_ownership(shared_dir):
    blob = _blob(shared_dir, "l.tgz", tb.device("dev/null"), tb.file("f", b"x", uid=1000, gid=1000, mode=0o640),
                 tb.directory("d", uid=1000, mode=0o750))
    assert _as_nobody(lambda: unpack_layer(blob, shared_dir / "out"))[0] == "ok"
    assert listing(shared_dir / "out") == ["d", "dev", "f"]  # dev/null skipped, as rootless docker does
    st = os.stat(shared_dir / "out/f")
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (65534, 0o640)


def test_unprivileged_unpack_of_an_opaque_directory_is_a_clear_error(shared_dir):
    blob = _blob(shared_dir, "l.tgz", tb.directory("d"), tb.file("d/.wh..wh..opq"))
    status, message = _as_nobody(lambda: unpack_layer(blob, shared_dir / "out"))
    assert status == "err"
    assert "LayerError" in str(message) and "trusted.overlay.opaque" in str(message) and "apply_layer" in str(message)


def test_unprivileged_apply_handles_whiteouts_and_opaque_directories(shared_dir):
    lower = _blob(shared_dir, "1.tgz", tb.file("d/old"), tb.file("gone"), tb.file("keep"))
    upper = _blob(shared_dir, "2.tgz", tb.file("d/.wh..wh..opq"), tb.file("d/new"), tb.file(".wh.gone"))

    def both() -> list[str]:
        apply_layer(lower, shared_dir / "flat")
        apply_layer(upper, shared_dir / "flat")
        return listing(shared_dir / "flat")

    assert _as_nobody(both) == ("ok", ["d", "d/new", "keep"])
