"""Helpers for the e2e suite: HTTP from the host, ``ps --format json``, following logs, and a stack's host
footprint (what a project put on the host, to prove ``down -v`` removed all of it).

The footprint is narrowed to one project's own objects (its bridge and veths, its containers' cgroups and
netns, mounts and processes under its private state dirs) so that other tests running at the same time on the
host do not disturb the check.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support.leaks import snapshot


def http_get(url: str, timeout: float = 3.0) -> str:
    """GET ``url`` (no proxies) and return the body; raises on any error or non-2xx status."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as resp:
        return resp.read().decode()


def ps_json(text: str) -> list[dict]:
    """Parse ``ps --format json`` output: a JSON array, or one object per line (both as docker compose)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def by_service(rows: Iterable[dict]) -> dict[str, dict]:
    return {row["Service"]: row for row in rows}


class LogFollower:
    """``dockyard logs -f`` as a subprocess; collects its output lines in the background until ``stop()``."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path | str | None = None) -> None:
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)


@dataclass(frozen=True)
class Footprint:
    """One project's objects on the host, by kind."""

    links: frozenset[str]
    netns: frozenset[str]
    mounts: frozenset[str]
    cgroups: frozenset[str]
    processes: frozenset[tuple[int, str]]

    def nonempty(self) -> dict[str, list]:
        return {k: sorted(v) for k, v in vars(self).items() if v}


def _project_links(root: Path, project: str) -> set[str]:
    names: set[str] = set()
    for path in (root / "networks").glob("*.json"):
        data = json.loads(path.read_text())
        if data.get("labels", {}).get("com.docker.compose.project") != project:
            continue
        names.add(data["bridge"])
        names.update(ep["host_veth"] for ep in data.get("endpoints", {}).values() if ep.get("host_veth"))
    return names


def footprint(root: Path, run: Path, project: str, container_ids: Iterable[str],
              links: Iterable[str] = ()) -> Footprint:
    """What of ``project`` is on the host now. ``links`` adds link names seen earlier (the network file is gone
    after ``down``); container ids name cgroups and netns files."""
    snap = snapshot()
    ids = tuple(container_ids)
    wanted_links = set(links) | _project_links(root, project)
    markers = (str(root), str(run))
    return Footprint(
        links=frozenset(snap.links & wanted_links),
        netns=frozenset(n for n in snap.netns if any(i[:12] in n for i in ids))
        | frozenset(str(p) for p in (run / "netns").glob("*") if any(i in p.name for i in ids)),
        mounts=frozenset(m for m in snap.mounts if any(m.startswith(x) for x in markers)),
        cgroups=frozenset(c for c in snap.cgroups if any(i in c for i in ids)),
        processes=frozenset(p for p in snap.processes if any(x in p[1] for x in markers)),
    )


def project_state_left(root: Path, project: str, container_ids: Iterable[str]) -> list[str]:
    """State dirs/files of ``project`` still on disk: containers, networks, volumes, monitor dirs."""
    left = [str(root / "containers" / i) for i in container_ids if (root / "containers" / i).exists()]
    left += [str(p) for p in (root / "volumes").glob(f"{project}_*")]
    for path in (root / "networks").glob("*.json"):
        if json.loads(path.read_text()).get("labels", {}).get("com.docker.compose.project") == project:
            left.append(str(path))
    return left
