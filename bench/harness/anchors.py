"""The anchors: dockerd (+ docker-compose v1) and podman (+ podman-compose), inside a private netns.

dockerd gets its own -H socket, --data-root, --exec-root and pidfile under the run's temp dir and ``--dns`` pointing
at a sink on the sandbox's lo; podman gets private containers.conf/storage.conf/registries.conf (with
``default_ulimits`` capped at the caller's hard limits: this VM's root lacks CAP_SYS_RESOURCE) and runs containers
with runc (crun refuses this host's hybrid cgroup layout unless hugetlb is moved to v1, which we avoid).
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

from .system import DEBIAN_PATH, DNS_SINK, Netns, rmdir_tree, stop_pid, unmount_under
from .timing import run_checked

CGROUP_DIRS = ("docker", "libpod_parent")


class Anchors:
    """Start/stop the engines; ``env`` is what every anchor command runs with."""

    def __init__(self, work: Path, netns: Netns, log: callable) -> None:
        self.work, self.netns, self.log = work, netns, log
        self.dockerd: subprocess.Popen | None = None
        self.cgroups_before = self._cgroup_dirs()
        self.env = {
            **os.environ,
            "PATH": f"{DEBIAN_PATH}:{os.environ.get('PATH', '')}",
            "DOCKER_HOST": f"unix://{work}/docker/docker.sock",
            "COMPOSE_HTTP_TIMEOUT": "300",
            "CONTAINERS_CONF": str(work / "podman" / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(work / "podman" / "storage.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(work / "podman" / "registries.conf"),
        }

    # -- commands ---------------------------------------------------------------------------------------------
    def cmd(self, argv: list[str]) -> list[str]:
        """An anchor command line, run inside the sandbox netns."""
        return self.netns.wrap(argv)

    def run(self, argv: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        return run_checked(self.cmd(argv), env=self.env, timeout=timeout)

    # -- docker -----------------------------------------------------------------------------------------------
    def start_docker(self) -> None:
        d = self.work / "docker"
        for sub in ("data", "exec"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        argv = ["dockerd", "-H", self.env["DOCKER_HOST"], "--data-root", str(d / "data"), "--exec-root",
                str(d / "exec"), "--pidfile", str(d / "dockerd.pid"), "--dns", DNS_SINK]
        logf = open(d / "dockerd.log", "wb")
        self.dockerd = subprocess.Popen(self.cmd(argv), env=self.env, stdout=logf, stderr=logf,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.dockerd.poll() is not None:
                break
            if subprocess.run(["docker", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.5)
        tail = (d / "dockerd.log").read_text(errors="replace").splitlines()[-5:]
        raise RuntimeError(f"dockerd did not come up in 60 s: {' / '.join(tail)}")

    def stop_docker(self) -> None:
        if self.dockerd is None:
            return
        if self.dockerd.poll() is None:
            ids = subprocess.run(["docker", "ps", "-aq"], env=self.env, capture_output=True, text=True).stdout.split()
            if ids:
                subprocess.run(["docker", "rm", "-f", *ids], env=self.env, capture_output=True, timeout=300)
            subprocess.run(["docker", "network", "prune", "-f"], env=self.env, capture_output=True, timeout=120)
            stop_pid(self.dockerd.pid, grace=30)
        self.dockerd.wait(timeout=10)
        self.dockerd = None

    # -- podman -----------------------------------------------------------------------------------------------
    def write_podman_conf(self) -> None:
        p = self.work / "podman"
        for sub in ("root", "run", "tmp", "networks"):
            (p / sub).mkdir(parents=True, exist_ok=True)
        (p / "storage.conf").write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{p}/root"\n'
                                        f'runroot = "{p}/run"\n')
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
        nproc = pid_max if nproc == resource.RLIM_INFINITY else min(nproc, pid_max)
        (p / "containers.conf").write_text(
            f'[containers]\ndefault_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
            f'[network]\nnetwork_backend = "netavark"\nnetwork_config_dir = "{p}/networks"\n'
            f'[engine]\ntmp_dir = "{p}/tmp"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
            f'runtime = "runc"\n')
        (p / "registries.conf").write_text("unqualified-search-registries = []\n")

    def stop_podman(self) -> None:
        if not Path(self.env["CONTAINERS_CONF"]).exists() or not os.path.exists(self.netns.path):
            return
        ids = subprocess.run(self.cmd(["podman", "ps", "-aq"]), env=self.env, capture_output=True,
                             text=True).stdout.split()
        if ids:
            subprocess.run(self.cmd(["podman", "rm", "-f", "-t", "0", *ids]), env=self.env, capture_output=True,
                           timeout=300)
        nets = subprocess.run(self.cmd(["podman", "network", "ls", "--format", "{{.Name}}"]), env=self.env,
                              capture_output=True, text=True).stdout.split()
        for net in (n for n in nets if n != "podman"):
            subprocess.run(self.cmd(["podman", "network", "rm", "-f", net]), env=self.env, capture_output=True)

    # -- images -----------------------------------------------------------------------------------------------
    def import_image(self, tarball: Path, engine: str) -> None:
        """``localbox:latest`` from the busybox rootfs tarball, into docker or podman."""
        self.run([engine, "import", "--change", 'CMD ["/bin/sh"]', str(tarball), "localbox:latest"])

    # -- teardown ---------------------------------------------------------------------------------------------
    def teardown(self) -> list[str]:
        """Stop everything the anchors started (by PID), unmount, rmdir their new cgroups; returns a log."""
        notes: list[str] = []
        for step in (self.stop_podman, self.stop_docker):
            try:
                step()
            except Exception as exc:  # keep tearing down; report what failed
                notes.append(f"{step.__name__}: {exc}")
        notes += [f"stopped leftover {s}" for s in self.netns.stop_all()]
        unmount_under(str(self.work))
        for top in self._cgroup_dirs() - self.cgroups_before:
            rmdir_tree(Path(top))
        left = self._cgroup_dirs() - self.cgroups_before
        if left:
            notes.append(f"cgroup dirs still busy: {sorted(left)}")
        return notes

    @staticmethod
    def _cgroup_dirs() -> set[str]:
        out = set()
        for hier in Path("/sys/fs/cgroup").iterdir():
            for name in CGROUP_DIRS:
                if (hier / name).is_dir():
                    out.add(str(hier / name))
        return out
