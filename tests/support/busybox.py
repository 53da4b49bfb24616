"""A plain busybox rootfs directory (Debian's busybox-static + applet symlinks + /etc/passwd, /etc/group).

Built once per test session in a temp dir and used read-only as an overlay lower layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BUSYBOX = "/bin/busybox"
PASSWD = (
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
)
GROUP = (
    "root:x:0:\n"
    "daemon:x:1:\n"
    "wheel:x:10:root,alice\n"
    "audio:x:29:alice\n"
    "alice:x:1000:\n"
    "staff:x:50:\n"
    "nogroup:x:65534:\n"
)

_cache: list[Path] = []


def build_rootfs(dest: Path) -> Path:
    """Create a busybox rootfs at ``dest`` (which must not exist)."""
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "home/alice", "tmp", "proc", "sys", "dev"):
        (dest / d).mkdir(parents=True, exist_ok=True)
    os.chmod(dest / "tmp", 0o1777)
    shutil.copy2(BUSYBOX, dest / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        link = dest / applet
        if link.name == "busybox" or link.exists() or link.is_symlink():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("/bin/busybox")
    (dest / "etc" / "passwd").write_text(PASSWD)
    (dest / "etc" / "group").write_text(GROUP)
    os.chown(dest / "home" / "alice", 1000, 1000) if os.geteuid() == 0 else None
    return dest


def busybox_rootfs() -> Path:
    """The session's cached busybox rootfs (built on first use; removed at interpreter exit)."""
    if not _cache:
        base = Path(tempfile.mkdtemp(prefix="dy-busybox-"))
        import atexit

        atexit.register(shutil.rmtree, base, True)
        _cache.append(build_rootfs(base / "rootfs"))
    return _cache[0]
