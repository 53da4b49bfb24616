"""Describe a directory tree as plain data, so two trees (unpacked, flattened, mounted) compare with ``==``."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def snapshot(root: Path, *, times: bool = True, owners: bool = False, xattrs: bool = False) -> dict[str, tuple]:
    """Relative path -> (kind, mode, content or link target or rdev, mtime?, owner?, xattrs?, hardlink group)."""
    out: dict[str, tuple] = {}
    inodes: dict[tuple[int, int], str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = os.lstat(path)
            out[rel] = _describe(path, st, inodes, rel, times=times, owners=owners, xattrs=xattrs)
    return out


def _describe(path: Path, st: os.stat_result, inodes: dict, rel: str, *, times: bool, owners: bool,
              xattrs: bool) -> tuple:
    kind = stat.S_IFMT(st.st_mode)
    if stat.S_ISREG(kind):
        body: object = path.read_bytes()
    elif stat.S_ISLNK(kind):
        body = os.readlink(path)
    elif stat.S_ISCHR(kind) or stat.S_ISBLK(kind):
        body = (os.major(st.st_rdev), os.minor(st.st_rdev))
    else:
        body = None
    link_group = None
    if stat.S_ISREG(kind) and st.st_nlink > 1:
        link_group = inodes.setdefault((st.st_dev, st.st_ino), rel)
    row: tuple = (stat.filemode(st.st_mode), body, link_group)
    if times and not stat.S_ISLNK(kind):
        row += (int(st.st_mtime),)
    if owners:
        row += (st.st_uid, st.st_gid)
    if xattrs:
        names = sorted(os.listxattr(path, follow_symlinks=False))
        row += (tuple((n, os.getxattr(path, n, follow_symlinks=False)) for n in names),)
    return row


def listing(root: Path) -> list[str]:
    """Sorted relative paths under ``root``."""
    return sorted(snapshot(root, times=False))
