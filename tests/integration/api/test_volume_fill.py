"""A new volume is filled from the image's merged content at its path (all layers, whiteouts applied)."""

from __future__ import annotations

import os
import stat

import pytest

from runtime.volumes import populate

pytestmark = pytest.mark.root


def layer(root, files: dict[str, str], whiteouts: tuple[str, ...] = ()):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for rel in whiteouts:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    return str(root)


def test_multi_layer_content_is_merged_before_copying(tmp_path):
    lower = layer(tmp_path / "l1", {"data/kept": "1", "data/gone": "old", "data/over": "old"})
    upper = layer(tmp_path / "l2", {"data/new": "2", "data/over": "new"}, whiteouts=("data/gone",))
    vol = tmp_path / "vol"
    vol.mkdir()
    assert populate(vol, [lower, upper], "/data", tmp_path / "work")
    assert {p.name: p.read_text() for p in vol.iterdir()} == {"kept": "1", "new": "2", "over": "new"}
    with open("/proc/self/mountinfo") as fh:
        assert str(tmp_path) not in fh.read()


def test_a_volume_with_content_or_a_missing_image_path_is_left_alone(tmp_path):
    lower = layer(tmp_path / "l1", {"data/x": "1"})
    vol = tmp_path / "vol"
    vol.mkdir()
    (vol / "mine").write_text("keep")
    assert not populate(vol, [lower], "/data", tmp_path / "work")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not populate(empty, [lower], "/nowhere", tmp_path / "work")
    assert [p.name for p in vol.iterdir()] == ["mine"] and list(empty.iterdir()) == []


def test_a_symlinked_image_path_is_resolved_inside_the_image(tmp_path):
    lower = layer(tmp_path / "l1", {"real/x": "inside"})
    os.symlink("/real", tmp_path / "l1" / "link")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "host-file").write_text("host")
    vol = tmp_path / "vol"
    vol.mkdir()
    assert populate(vol, [lower], "/link", tmp_path / "work")
    assert [p.name for p in vol.iterdir()] == ["x"]
