"""Named and anonymous volumes: ``$DOCKYARD_ROOT/volumes/<name>/_data`` plus ``volume.json`` (labels, driver, time).

Like Docker's ``local`` driver: create is idempotent, a volume in use by a container cannot be removed, and an empty
volume mounted over a path the image has content at is first filled with that content (``populate``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from runtime.errors import KernelError, VolumeError
from runtime.linux import syscalls as sc
from runtime.linux.syscalls import Syscalls
from runtime.rootfs.paths import secure_join
from runtime.state import atomic_write, file_lock

if TYPE_CHECKING:  # loaded on use: a container with no volumes never builds them
    from runtime.types_later import VolumeInfo, VolumeSpec

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
ANONYMOUS_LABEL = "com.docker.volume.anonymous"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class VolumeService:
    """Volumes under one DOCKYARD_ROOT. ``in_use`` returns the volume names containers still mount."""

    def __init__(self, root: Path | str, in_use: Callable[[], set[str]] | None = None) -> None:
        self.dir = Path(root) / "volumes"
        self._in_use = in_use or (lambda: set())

    def _lock(self):  # noqa: ANN202 - a context manager
        return file_lock(self.dir / ".lock")

    def path(self, name: str) -> Path:
        """The host directory mounted into containers."""
        return self.dir / name / "_data"

    def create(self, spec: VolumeSpec) -> VolumeInfo:
        """Create the volume, or return the existing one of that name (labels of the existing one are kept)."""
        _validate(spec)
        with self._lock():
            existing = self._read(spec.name)
            if existing is not None:
                return existing
            self.path(spec.name).mkdir(parents=True, exist_ok=True)
            meta = {"name": spec.name, "driver": spec.driver, "labels": dict(spec.labels),
                    "options": dict(spec.driver_opts), "created": _now()}
            atomic_write(self.dir / spec.name / "volume.json", json.dumps(meta).encode())
        return self._info(meta)

    def create_anonymous(self, labels: Iterable[tuple[str, str]] = ()) -> VolumeInfo:
        import secrets

        from runtime.types_later import VolumeSpec

        return self.create(VolumeSpec(secrets.token_hex(32), labels=((ANONYMOUS_LABEL, ""), *labels)))

    def exists(self, name: str) -> bool:
        return self._read(name) is not None

    def inspect(self, name: str) -> VolumeInfo:
        info = self._read(name)
        if info is None:
            raise VolumeError(f"inspect volume {name}: no such volume")
        return info

    def list(self, labels: dict[str, str] | None = None) -> list[VolumeInfo]:
        if not self.dir.is_dir():
            return []
        infos = [i for i in (self._read(p.name) for p in sorted(self.dir.iterdir()) if p.is_dir()) if i]
        if labels:
            infos = [i for i in infos if all(dict(i.labels).get(k) == v for k, v in labels.items())]
        return infos

    def remove(self, name: str, missing_ok: bool = False, force: bool = False) -> bool:
        """Delete the volume and its data; refuses while a container uses it (unless ``force``)."""
        with self._lock():
            if self._read(name) is None:
                if missing_ok:
                    return False
                raise VolumeError(f"remove volume {name}: no such volume")
            if not force and name in self._in_use():
                raise VolumeError(f"remove volume {name}: volume is in use by a container; remove the container first")
            import shutil  # loaded on use, as tempfile below: a run that fills no volume needs neither

            shutil.rmtree(self.dir / name)
        return True

    def prune(self, labels: dict[str, str] | None = None) -> list[str]:
        """Remove every unused volume matching ``labels``; returns their names."""
        used = self._in_use()
        return [i.name for i in self.list(labels) if i.name not in used and self.remove(i.name, missing_ok=True)]

    def _read(self, name: str) -> VolumeInfo | None:
        if not NAME_RE.match(name):
            return None
        try:
            meta = json.loads((self.dir / name / "volume.json").read_text())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None
        return self._info(meta)

    def _info(self, meta: dict) -> VolumeInfo:
        from runtime.types_later import VolumeInfo

        return VolumeInfo(name=meta["name"], mountpoint=str(self.path(meta["name"])), driver=meta["driver"],
                          labels=tuple(sorted(meta.get("labels", {}).items())), created=meta["created"])


def _validate(spec: VolumeSpec) -> None:
    if not NAME_RE.match(spec.name) or len(spec.name) > 255:
        raise VolumeError(f"create volume {spec.name!r}: invalid name; use letters, digits, '_', '.', '-'")
    if spec.driver != "local":
        raise VolumeError(f"create volume {spec.name}: driver {spec.driver!r} unsupported; use driver: local")
    opts = dict(spec.driver_opts)
    if opts:
        raise VolumeError(f"create volume {spec.name}: driver_opts {sorted(opts)} are not supported yet; remove them")


# -- filling a new volume from the image ----------------------------------------------------------------------

def populate(data_dir: Path, layers: list[str], target: str, work: Path, sys: Syscalls | None = None) -> bool:
    """Copy the image's content at ``target`` into an empty ``data_dir`` (Docker's copy-up); True if copied.

    Multi-layer images are read through a temporary read-only overlay mounted under ``work`` (then unmounted).
    """
    if any(Path(data_dir).iterdir()) or not layers:
        return False
    sys = sys or Syscalls()
    if len(layers) == 1:
        return _copy_from(sys, layers[0], target, data_dir)
    work.mkdir(parents=True, exist_ok=True)
    import tempfile

    merged = Path(tempfile.mkdtemp(prefix="volinit-", dir=work))
    lower = ":".join(reversed(layers))
    try:
        sys.mount("overlay", str(merged), "overlay", sc.MS_RDONLY, f"lowerdir={lower}")
    except KernelError as exc:
        merged.rmdir()
        raise VolumeError(f"fill volume {data_dir.parent.name} from the image at {target}: {exc}") from exc
    try:
        return _copy_from(sys, str(merged), target, data_dir)
    finally:
        sys.umount2(str(merged), sc.MNT_DETACH)
        with contextlib.suppress(OSError):
            merged.rmdir()


def _copy_from(sys: Syscalls, root: str, target: str, data_dir: Path) -> bool:
    src = secure_join(sys, root, target)
    st = sys.lstat(src)
    if st is None or not stat.S_ISDIR(st.st_mode):
        return False
    copy_tree(Path(src), Path(data_dir))
    return True


def copy_tree(src: Path, dst: Path) -> None:
    """Copy a directory's content keeping modes, owners, symlinks and times (never following symlinks)."""
    import shutil

    for entry in os.scandir(src):
        s, d = Path(entry.path), dst / entry.name
        st = entry.stat(follow_symlinks=False)
        if entry.is_symlink():
            os.symlink(os.readlink(s), d)
        elif entry.is_dir(follow_symlinks=False):
            d.mkdir()
            copy_tree(s, d)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(s, d, follow_symlinks=False)
        else:
            continue  # devices, fifos, sockets and whiteouts are not copied
        os.lchown(d, st.st_uid, st.st_gid)
        if not entry.is_symlink():
            os.chmod(d, stat.S_IMODE(st.st_mode))
            os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns))
    sst = src.stat()
    os.chown(dst, sst.st_uid, sst.st_gid)
    os.chmod(dst, stat.S_IMODE(sst.st_mode))
