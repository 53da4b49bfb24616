"""`dockyard export`: a container's filesystem as a tar stream: every entry once, parents first, links kept as
links, hard links as links, owners as numbers; a mount (another device) is only its empty mount point, and a
terminal is refused."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from compose import export
from compose.errors import ComposeError


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "rootfs"
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "hostname").write_text("box\n")
    (base / "bin").mkdir()
    (base / "bin" / "tool").write_bytes(b"\x7fELF" + bytes(5000))
    os.chmod(base / "bin" / "tool", 0o755)
    os.link(base / "bin" / "tool", base / "bin" / "alias")
    os.symlink("/etc/hostname", base / "name")
    os.chown(base / "etc" / "hostname", 1234, 5678)
    return base


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_the_archive_holds_the_tree_with_links_and_numeric_owners(root: Path):
    out = io.BytesIO()
    count = export.archive(root, out)
    members = _members(out.getvalue())
    assert list(members) == ["bin", "bin/alias", "bin/tool", "etc", "etc/hostname", "name"]
    assert count == 6
    assert members["name"].issym() and members["name"].linkname == "/etc/hostname"
    assert members["bin/tool"].islnk() or members["bin/alias"].islnk()  # one copy of the data, one hard link
    host = members["etc/hostname"]
    assert (host.uid, host.gid, host.uname, host.gname) == (1234, 5678, "", "")
    assert members["bin/alias"].mode & 0o777 == 0o755
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert tar.extractfile("etc/hostname").read() == b"box\n"


def test_another_device_below_the_root_is_left_out(root: Path, monkeypatch):
    """/proc and a volume are mounts: their st_dev differs from the root's; nothing below them is read."""
    (root / "proc" / "1").mkdir(parents=True)
    device = os.lstat(root).st_dev

    class Moved:
        def __init__(self, st):
            self._st = st

        def __getattr__(self, name):
            return device + 1 if name == "st_dev" else getattr(self._st, name)

    scandir = os.scandir

    def fake_scandir(path):
        for entry in scandir(path):
            if entry.name == "proc":
                yield type("E", (), {"name": entry.name, "path": entry.path,
                                     "stat": lambda self, follow_symlinks=True, e=entry: Moved(e.stat(
                                         follow_symlinks=follow_symlinks)),
                                     "is_dir": lambda self, follow_symlinks=True: True})()
            else:
                yield entry

    monkeypatch.setattr(export.os, "scandir", fake_scandir)
    out = io.BytesIO()
    export.archive(root, out)
    members = _members(out.getvalue())
    assert members["proc"].isdir()  # the mount point itself, empty
    assert not any(n.startswith("proc/") for n in members)


class _Tty(io.BytesIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_is_refused_before_anything_is_read(root: Path):
    class Rt:
        def with_container_fs(self, ref, fn):  # pragma: no cover - must not be reached
            raise AssertionError("read the container")

    with pytest.raises(ComposeError, match="terminal"):
        export.export(Rt(), "web", None, _Tty())


def test_export_writes_the_file_named_by_output(root: Path, tmp_path: Path):
    class Rt:
        def with_container_fs(self, ref, fn):
            assert ref == "cid"
            return fn(root)

    target = tmp_path / "out.tar"
    assert export.export(Rt(), "cid", str(target), _Tty()) == 6
    assert "etc/hostname" in _members(target.read_bytes())
