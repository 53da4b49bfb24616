"""dockyard's side of the run: a private DOCKYARD_ROOT/RUN and its own netns (no route out, DNS forwarding off).

``probe`` finds out by trying which verbs work today, so figures that need them are either measured or listed as
"not yet measurable" with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from .stacks import write_stack
from .system import Netns, rmdir_tree, unmount_under
from .timing import CommandFailed, run_checked

REPO = Path(__file__).resolve().parents[2]


def dockyard_exe() -> str:
    exe = Path(sys.executable).parent / "dockyard"
    return str(exe) if exe.exists() else "dockyard"


def compile_sources() -> None:
    """Byte-compile dockyard's packages as an install would: with PYTHONDONTWRITEBYTECODE set (as on these machines)
    and an editable install, every CLI, monitor and responder process would otherwise compile them again."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "compose"), str(REPO / "runtime")],
                   check=False, capture_output=True)


class Dockyard:
    def __init__(self, work: Path, netns: Netns) -> None:
        self.work, self.netns = work, netns
        self.env = {**os.environ, "DOCKYARD_ROOT": str(work / "root"), "DOCKYARD_RUN": str(work / "run"),
                    "DOCKYARD_DNS_UPSTREAM": "none"}
        self.exe = dockyard_exe()
        compile_sources()

    def cmd(self, *args: str) -> list[str]:
        """A dockyard command line, run inside dockyard's netns."""
        return self.netns.wrap([self.exe, *args])

    def compose(self, project: str, stack: Path, *args: str) -> list[str]:
        return self.cmd("-p", project, "-f", str(stack), *args)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return run_checked(self.cmd(*args), env=self.env, timeout=timeout)

    def import_image(self, tarball: Path) -> None:
        self.run("image", "import", str(tarball), "localbox:latest")

    # -- capability probes: each returns None when it works, else the reason ----------------------------------
    def probe_container_run(self) -> str | None:
        try:
            self.run("container", "run", "--rm", "localbox:latest", "true", timeout=120)
        except (CommandFailed, subprocess.TimeoutExpired) as exc:
            return f"`dockyard container run --rm` does not work yet ({exc})"
        return None

    def probe_compose(self) -> str | None:
        """`up --help` exits 0 and a 1-service up -d / ps / down works."""
        stack = write_stack(self.work / "stacks", "smoke", 1)
        try:
            self.run("up", "--help", timeout=60)
            self.run("-p", "dysmoke", "-f", str(stack), "up", "-d", timeout=120)
            out = self.run("-p", "dysmoke", "-f", str(stack), "ps", "--format", "json", timeout=60).stdout
            if "running" not in out:
                return f"a 1-service `up -d` did not leave it running (ps: {out.strip()[:200]})"
        except (CommandFailed, subprocess.TimeoutExpired) as exc:
            return f"compose verbs do not work yet ({exc})"
        finally:
            subprocess.run(self.compose("dysmoke", stack, "down", "-t", "2"), env=self.env, capture_output=True,
                           timeout=120)
        return None

    # -- what dockyard keeps running --------------------------------------------------------------------------
    def resident_pids(self) -> list[int]:
        """Processes dockyard keeps running in its netns (monitors, holders, DNS); containers have their own."""
        return self.netns.pids()

    @staticmethod
    def _describe(cdir: Path) -> str:
        """id[:12] plus the name/status from the container's state file when it can be read."""
        try:
            state = json.loads((cdir / "state.json").read_text())
        except (OSError, ValueError):
            return f"{cdir.name[:12]} ({', '.join(sorted(p.name for p in cdir.iterdir()))[:80]})"
        return f"{cdir.name[:12]} name={state.get('name')} status={state.get('status')}"

    def teardown(self) -> list[str]:
        """Stop what is left in dockyard's netns by PID, unmount, rmdir cgroups of containers left in our root."""
        # dockyard's default `bridge` network stays after `container run`, as Docker's does: remove it (and with
        # it the DNS responder) the way a user would, before looking for leftovers.
        with contextlib.suppress(CommandFailed, subprocess.TimeoutExpired):
            run_checked(self.cmd("network", "rm", "bridge"), env=self.env, timeout=60)
        notes = [f"stopped leftover {s}" for s in self.netns.stop_all()]
        unmount_under(str(self.work))
        cdirs = (self.work / "root" / "containers").glob("*")
        left = [p.name for p in cdirs if p.is_dir() and not p.name.startswith(".")]
        if left:
            names = [self._describe(self.work / "root" / "containers" / cid) for cid in left]
            notes.append(f"dockyard left {len(left)} containers in its root ({', '.join(names)}); "
                         "removing their cgroups")
        for hier in Path("/sys/fs/cgroup").iterdir():
            for cid in left:
                rmdir_tree(hier / "dockyard" / cid)
        return notes

