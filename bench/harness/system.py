"""Host plumbing for the harness: private network namespaces, stopping processes by PID, unmounting, apt.

Everything here records what it creates so teardown removes exactly that and nothing else.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DEBIAN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # Debian's tools first (a non-Debian docker CLI sits in /usr/local/bin)
DNS_SINK = "198.18.53.53"  # RFC 2544 benchmarking address, put on the sandbox's lo: forwarded DNS ends there

# binary -> Debian package, for what the harness may install
PACKAGES = {
    "dockerd": "docker.io", "docker-compose": "docker-compose", "podman": "podman",
    "podman-compose": "podman-compose", "crun": "crun", "runc": "runc", "hyperfine": "hyperfine",
    "skopeo": "skopeo", "docker-registry": "docker-registry", "busybox": "busybox-static",
    "conmon": "conmon", "/usr/lib/podman/netavark": "netavark", "/usr/lib/podman/aardvark-dns": "aardvark-dns",
}
ANCHOR_BINARIES = ("dockerd", "docker-compose", "podman", "podman-compose", "conmon", "/usr/lib/podman/netavark",
                   "/usr/lib/podman/aardvark-dns", "crun")
ALWAYS_BINARIES = ("runc", "hyperfine", "skopeo", "docker-registry", "busybox")
# engine state dirs that anchors create on first use; removed at teardown only if absent before
STATE_DIRS = ("/run/containerd", "/run/containers", "/run/crun", "/run/docker", "/run/libpod", "/var/lib/cni",
              "/var/lib/containers")


def have(binary: str) -> bool:
    return Path(binary).exists() if binary.startswith("/") else shutil.which(binary, path=DEBIAN_PATH) is not None


def missing_packages(binaries: tuple[str, ...]) -> list[str]:
    """Debian packages to install for the binaries that are not there (in order, no duplicates)."""
    out: list[str] = []
    for b in binaries:
        pkg = PACKAGES[b]
        if not have(b) and pkg not in out:
            out.append(pkg)
    return out


def apt_install(packages: list[str]) -> str:
    """Install packages without starting services; returns '' or the failure text."""
    if not packages:
        return ""
    policy = Path("/usr/sbin/policy-rc.d")
    added = not policy.exists()
    if added:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        proc = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], env=env,
                              capture_output=True, text=True, timeout=1200)
        return "" if proc.returncode == 0 else proc.stderr.strip().splitlines()[-1:][0] if proc.stderr else "failed"
    finally:
        if added:
            policy.unlink()


def preexisting(paths: tuple[str, ...] = STATE_DIRS) -> frozenset[str]:
    return frozenset(p for p in paths if os.path.exists(p))


def remove_new_state_dirs(before: frozenset[str]) -> None:
    for p in STATE_DIRS:
        if p not in before and os.path.exists(p):
            shutil.rmtree(p, ignore_errors=True)


def stop_pid(pid: int, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; a pid that is already gone is fine."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _is_zombie(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def unmount_under(prefix: str) -> None:
    """Lazily unmount every mount whose target is under ``prefix`` (deepest first)."""
    out = subprocess.run(["findmnt", "-rn", "-o", "TARGET"], capture_output=True, text=True).stdout.split("\n")
    for target in sorted((m for m in out if m.startswith(prefix.rstrip("/") + "/")), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def rmdir_tree(top: Path) -> None:
    """rmdir a cgroup directory tree bottom-up (only empty cgroups go; a busy one is left and reported by caller)."""
    if not top.is_dir():
        return
    for dirpath, _dirs, _files in sorted(os.walk(top), key=lambda x: -x[0].count("/")):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


@dataclass
class Netns:
    """A private network namespace with only ``lo`` (and a DNS sink address on it): no route out."""

    name: str

    @property
    def path(self) -> str:
        return f"/run/netns/{self.name}"

    def create(self) -> None:
        if os.path.exists(self.path):
            raise RuntimeError(f"netns {self.name} already exists; remove it (ip netns del {self.name}) and retry")
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "-n", self.name, "addr", "add", f"{DNS_SINK}/32", "dev", "lo"], check=True)

    def wrap(self, argv: list[str]) -> list[str]:
        return ["nsenter", f"--net={self.path}", *argv]

    def pids(self) -> list[int]:
        if not os.path.exists(self.path):
            return []
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop_all(self) -> list[str]:
        """Stop every process still in the namespace, by PID; returns what was stopped (for the log)."""
        stopped = []
        for pid in self.pids():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:100]
            except OSError:
                continue
            stopped.append(f"{pid} {cmd}")
            stop_pid(pid, grace=5)
        return stopped

    def delete(self) -> None:
        if os.path.exists(self.path):
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
