"""Run setup pieces: packages, tool versions, the busybox image tarball, P1b's timing."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from .figures import Outcome
from .system import ALWAYS_BINARIES, ANCHOR_BINARIES, DEBIAN_PATH, apt_install, missing_packages
from .timing import CommandFailed, time_command, time_interleaved

VERSION_COMMANDS = {
    "dockyard": [str(Path(sys.executable).parent / "dockyard"), "version"],
    "python": [sys.executable, "--version"],
    "runc": ["runc", "--version"], "crun": ["crun", "--version"], "dockerd": ["dockerd", "--version"],
    "docker-compose": ["docker-compose", "version", "--short"], "podman": ["podman", "--version"],
    "podman-compose": ["podman-compose", "--version"], "conmon": ["conmon", "--version"],
    "hyperfine": ["hyperfine", "--version"], "skopeo": ["skopeo", "--version"],
    "docker-registry": ["docker-registry", "--version"], "tar": ["tar", "--version"],
}


def install(anchors: bool, log) -> list[str]:
    """apt-get install what is missing; returns failure notes."""
    binaries = ALWAYS_BINARIES + (ANCHOR_BINARIES if anchors else ())
    pkgs = missing_packages(binaries)
    if not pkgs:
        return []
    log(f"installing: {' '.join(pkgs)}")
    err = apt_install(pkgs)
    return [f"apt-get install {' '.join(pkgs)}: {err}"] if err else []


def versions(env: dict) -> dict[str, str]:
    out = {}
    env = {**env, "PATH": f"{DEBIAN_PATH}:{env.get('PATH', '')}"}
    repo = Path(__file__).resolve().parents[2]
    for name, argv in VERSION_COMMANDS.items():
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env, cwd=repo)
        except (OSError, subprocess.TimeoutExpired):
            continue
        text = (proc.stdout or proc.stderr).strip().splitlines()
        if proc.returncode == 0 and text:
            out[name] = next((t for t in text if name.split("-")[-1] in t), text[0])[:120]
    return out


def image_tarball(work: Path) -> Path:
    """A busybox-static rootfs (tests' builder) packed as a tarball, imported by every engine as localbox."""
    repo = Path(__file__).resolve().parents[2]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from tests.support.busybox import build_rootfs

    rootfs = build_rootfs(work / "rootfs")
    (rootfs / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    (rootfs / "etc" / "resolv.conf").write_text("")
    (rootfs / "etc" / "nsswitch.conf").write_text("hosts: files dns\n")
    out = work / "localbox.tar"
    with tarfile.open(out, "w") as tar:
        tar.add(rootfs, arcname=".")
    return out


def container_run(dy, an, runs: int) -> Outcome:
    """P1b: ``dockyard container run --rm IMAGE true`` vs ``docker run --rm IMAGE true``, each on its own bridge."""
    ours = (dy.cmd("container", "run", "--rm", "localbox:latest", "true"), dy.env)
    try:
        time_command(ours[0], 1, env=dy.env)  # it works (and is warm) before docker's runs are spent
    except CommandFailed as exc:
        return Outcome.unmeasurable(str(exc)[:300])
    if an is None:
        mine = time_command(ours[0], runs, env=dy.env)
        return Outcome(tuple(x * 1000 for x in mine), (), "docker not run (--no-anchors or not installed)")
    try:
        mine, theirs = time_interleaved([ours, (an.cmd(["docker", "run", "--rm", "localbox:latest", "true"]),
                                                an.env)], runs)
    except CommandFailed as exc:
        mine = time_command(ours[0], runs, env=dy.env)
        return Outcome(tuple(x * 1000 for x in mine), (), f"docker: {str(exc)[:300]}")
    return Outcome(tuple(x * 1000 for x in mine), tuple(x * 1000 for x in theirs),
                   note="both with default networking (a bridge per engine), via nsenter into their netns; "
                        "interleaved in 5 rounds")
