"""Who the container process runs as: ``user`` looked up in the container's /etc/passwd and /etc/group."""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

from runtime.errors import ContainerError
from runtime.spec import DEFAULT_PATH, User, env_dict


class UserLookupError(ContainerError):
    """``user`` or ``group_add`` names an entry the container's passwd/group files do not have."""


# NamedTuples, not dataclasses: read-only records never copied or introspected, cheaper to define (this module loads
# on every container start).
class Identity(NamedTuple):
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str
    name: str | None = None


class _Passwd(NamedTuple):
    name: str
    uid: int
    gid: int
    home: str


class _Group(NamedTuple):
    name: str
    gid: int
    members: tuple[str, ...]


MAX_FILE = 4 << 20


def _lines(path: str) -> list[list[str]]:
    """Fields of each line of a regular file (an image's FIFO or device in its place reads as empty)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        text = os.read(fd, MAX_FILE).decode("utf-8", errors="replace")
    finally:
        os.close(fd)
    return [line.split(":") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def read_passwd(root: str = "/") -> list[_Passwd]:
    out = []
    for f in _lines(os.path.join(root, "etc/passwd")):
        if len(f) >= 6 and f[2].isdigit() and f[3].isdigit():
            out.append(_Passwd(f[0], int(f[2]), int(f[3]), f[5] or "/"))
    return out


def read_group(root: str = "/") -> list[_Group]:
    out = []
    for f in _lines(os.path.join(root, "etc/group")):
        if len(f) >= 3 and f[2].isdigit():
            members = tuple(m for m in (f[3].split(",") if len(f) > 3 else []) if m)
            out.append(_Group(f[0], int(f[2]), members))
    return out


def resolve(user: User, root: str = "/") -> Identity:
    """Docker's rules: ``name``/``uid`` [``:group``/``:gid``]; numeric ids need no entry; names must exist.

    Supplementary groups: the primary gid, every group listing the user (when no group was given), ``group_add``.
    """
    passwd, groups = read_passwd(root), read_group(root)
    user_part, _, group_part = (user.spec or "0").partition(":")
    entry = _find_user(passwd, user_part)
    uid = int(user_part) if user_part.isdigit() else entry.uid  # type: ignore[union-attr]
    gid = entry.gid if entry else 0
    if group_part:
        gid = _find_gid(groups, group_part, "user")
    sgids = [gid]
    name = entry.name if entry else None
    if name and not group_part:
        sgids += [g.gid for g in groups if name in g.members]
    sgids += [_find_gid(groups, g, "group_add") for g in user.group_add]
    unique = tuple(dict.fromkeys(sgids))
    return Identity(uid, gid, unique, entry.home if entry else "/", name)


def _find_user(passwd: list[_Passwd], part: str) -> _Passwd | None:
    for p in passwd:
        if (part.isdigit() and p.uid == int(part)) or p.name == part:
            return p
    if not part.isdigit():
        raise UserLookupError(f"unable to find user {part}: no matching entries in the container's /etc/passwd")
    return None


def _find_gid(groups: list[_Group], part: str, what: str) -> int:
    if part.isdigit():
        return int(part)
    for g in groups:
        if g.name == part:
            return g.gid
    raise UserLookupError(f"{what}: unable to find group {part}: no matching entries in the container's /etc/group")


def process_env(env: tuple[str, ...], identity: Identity, hostname: str) -> dict[str, str]:
    """The exec environment: PATH, HOSTNAME and HOME defaults as Docker adds them, then the spec's env."""
    out = {"PATH": DEFAULT_PATH, "HOSTNAME": hostname}
    given = env_dict(env)
    out.update(given)
    out.setdefault("HOME", identity.home)
    return out
