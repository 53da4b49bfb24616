"""Debian root filesystems: mmdebstrap the minbase system once, install each image's packages into a copy of
it (chroot apt-get inside a private mount namespace), lay the recipe's files over it, and pack it as a
zstd-compressed tar.

Only Debian mirrors are contacted (mmdebstrap's and apt's own downloads). Downloaded ``.deb`` files are kept in
a shared directory so a rebuild downloads nothing it already has.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from examples.images.recipes import MIRRORS, SUITE, FileEdit, Recipe

SLIM_DPKG_OPTS = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/lintian/*",
)
APT_OPTS = ('APT::Install-Recommends "false"', 'APT::Install-Suggests "false"')
MERGED_USR_HOOKS = Path("/usr/share/mmdebstrap/hooks/merged-usr")

# Run by ``unshare --mount --propagation private``: every mount dies with the namespace, even on a crash.
_CHROOT_APT = r"""
root=$1; debs=$2; mode=$3; shift 3
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
archives="$root/var/cache/apt/archives"
mkdir -p "$archives"
if [ "$mode" = shared ]; then
    mount --bind "$debs" "$archives"
else
    find "$debs" -maxdepth 1 -name '*.deb' -exec cp -l -t "$archives" {} + 2>/dev/null ||
        find "$debs" -maxdepth 1 -name '*.deb' -exec cp -t "$archives" {} +
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    apt-get -q -y -o APT::Keep-Downloaded-Packages=true "$@"
"""


class ImageBuildError(Exception):
    """A step of building a rootfs failed; the message names the step, the image and where the log is."""


def _run(argv: list[str], step: str, log: Path) -> None:
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise ImageBuildError(f"{step}: exit status {proc.returncode}; log {log}:\n" + "\n".join(tail))


def mmdebstrap_base(dest: Path, debs: Path, log: Path) -> None:
    """The minbase system in directory ``dest`` (must not exist), apt lists kept for further installs."""
    if shutil.which("mmdebstrap") is None:
        raise ImageBuildError("build base rootfs: mmdebstrap is not installed (apt-get install mmdebstrap)")
    debs.mkdir(parents=True, exist_ok=True)
    argv = ["mmdebstrap", "--mode=root", "--variant=minbase", "--format=directory",
            f"--hook-dir={MERGED_USR_HOOKS}", "--skip=essential/unlink", "--skip=cleanup/apt/lists",
            *[f"--dpkgopt={opt}" for opt in SLIM_DPKG_OPTS], *[f"--aptopt={opt}" for opt in APT_OPTS],
            "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/",
            f"--setup-hook=sync-in {debs} /var/cache/apt/archives/",
            f"--customize-hook=sync-out /var/cache/apt/archives {debs}",
            SUITE, str(dest), *MIRRORS]
    _run(argv, "mmdebstrap the minbase system", log)


def unpack_base(tar: Path, dest: Path, debs: Path, log: Path) -> None:
    """Unpack a cached base rootfs tar into ``dest`` and fetch the apt lists again (the tar has none)."""
    dest.mkdir(parents=True)
    _run(["tar", "-C", str(dest), "--numeric-owner", "--zstd", "-xf", str(tar)], f"unpack {tar.name}", log)
    chroot_apt(dest, debs, ["update"], log)


def download(root: Path, packages: list[str], debs: Path, log: Path) -> None:
    """Fetch ``packages`` and their dependencies into the shared .deb directory (one apt run, no install)."""
    chroot_apt(root, debs, ["install", "--download-only", "--no-install-recommends", *packages], log)


def chroot_apt(root: Path, debs: Path, args: list[str], log: Path, *, shared: bool = True) -> None:
    """``apt-get ARGS`` chrooted in ``root`` with /proc and /dev mounted privately. ``shared``: the shared .deb
    directory is bind-mounted as apt's archive (one apt at a time); else its files are linked into the tree
    (so several trees can install at once)."""
    debs.mkdir(parents=True, exist_ok=True)
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-ec", _CHROOT_APT, "chroot-apt",
            str(root), str(debs), "shared" if shared else "linked", *args]
    _run(argv, f"apt-get {' '.join(args)} in {root.name}", log)


def install(root: Path, recipe: Recipe, debs: Path, log: Path) -> None:
    """Install the recipe's packages (no recommends) and lay its files over them."""
    if recipe.packages:
        chroot_apt(root, debs, ["install", "--no-install-recommends", *recipe.packages], log, shared=False)
    for edit in recipe.files:
        apply_edit(root, edit)


def apply_edit(root: Path, edit: FileEdit) -> None:
    path = root / edit.path.lstrip("/")
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif edit.kind != "dir" and path.is_dir():
        shutil.rmtree(path)
    if edit.kind == "remove":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if edit.kind == "symlink":
        path.symlink_to(edit.target)
    elif edit.kind == "dir":
        path.mkdir(exist_ok=True)
        path.chmod(edit.mode)
    elif edit.kind == "write":
        path.write_text(edit.text)
        path.chmod(edit.mode)
    else:
        raise ImageBuildError(f"lay files over {root.name}: unknown edit kind {edit.kind!r} for {edit.path}")


def clean(root: Path) -> None:
    """Drop what an image must not carry: apt lists and caches, logs, the host's resolver, build leftovers."""
    for rel in ("var/lib/apt/lists", "var/cache/apt", "dev", "proc", "sys", "run", "tmp", "var/log/apt"):
        _empty_dir(root / rel)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    os.chmod(root / "tmp", 0o1777)
    for rel in ("usr/sbin/policy-rc.d", "var/log/dpkg.log", "var/log/alternatives.log",
                "var/cache/ldconfig/aux-cache", "usr/share/info/dir", "var/cache/debconf/config.dat-old",
                "var/cache/debconf/templates.dat-old"):
        (root / rel).unlink(missing_ok=True)
    for rel in ("etc/resolv.conf", "etc/hostname"):  # the runtime provides these per container
        (root / rel).unlink(missing_ok=True)
        (root / rel).write_text("")


def _empty_dir(path: Path) -> None:
    if not path.is_dir() or path.is_symlink():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def pack(root: Path, out: Path, log: Path) -> None:
    """Write ``root`` as a zstd tar (member names without ``./``) to ``out`` atomically."""
    tmp = out.with_name(out.name + ".part")
    entries = sorted(os.listdir(root))
    _run(["tar", "-C", str(root), "--numeric-owner", "--sort=name", "--use-compress-program=zstd -T0 -3 -q",
          "-cf", str(tmp), "--", *entries], f"pack {root.name} into {out.name}", log)
    os.replace(tmp, out)
