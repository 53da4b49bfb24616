"""Give crun the cgroup layout it accepts for one command, then put the machine's own layout back.

This host is cgroup v1 "hybrid" with the hugetlb controller left on cgroup2, and crun 1.8 refuses to run while
cgroup2 owns a controller. ``run_switched`` binds hugetlb to a v1 hierarchy for the length of ONE command. It does so
from a forked worker in a private mount namespace that sees a copy of /sys/fs/cgroup with the extra hierarchy in it,
so nothing else on the host ever sees (or creates cgroups in) that hierarchy. Undoing it needs care, because a v1
root is destroyed at umount only if it has no children left, and rmdir'd children are freed asynchronously: the
worker rmdirs what the command left, waits until /proc/cgroups counts the root alone, unmounts, and exits; the caller
then waits until cgroup2 lists hugetlb again, and remounts and retries (``restore``) if it does not.

The parsing at the top is pure (unit-tested); the rest needs root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CONTROLLER = "hugetlb"
CGROUP_ROOT = "/sys/fs/cgroup"


class HugetlbNotRestored(Exception):
    """hugetlb did not come back to cgroup2 after a switch."""


# ---- pure parsing ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subsys:
    hierarchy: int  # 0: not bound to any v1 hierarchy (on cgroup2, if cgroup2 lists it)
    num_cgroups: int
    enabled: bool


@dataclass(frozen=True)
class CgroupMount:
    mountpoint: str
    fstype: str  # "cgroup" (v1) or "cgroup2"
    options: frozenset[str]  # super options: the controllers of a v1 mount, "rw", ...


def parse_proc_cgroups(text: str) -> dict[str, Subsys]:
    """/proc/cgroups: subsystem name -> hierarchy id, cgroup count, enabled."""
    out: dict[str, Subsys] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 4 or line.startswith("#"):
            continue
        name, hierarchy, count, enabled = fields
        out[name] = Subsys(int(hierarchy), int(count), enabled == "1")
    return out


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_cgroup_mounts(mountinfo: str) -> tuple[CgroupMount, ...]:
    """The cgroup and cgroup2 mounts of a /proc/<pid>/mountinfo text."""
    out = []
    for line in mountinfo.splitlines():
        head, sep, tail = line.partition(" - ")
        fields, rest = head.split(), tail.split()
        if not sep or len(fields) < 5 or len(rest) < 3 or rest[0] not in ("cgroup", "cgroup2"):
            continue
        out.append(CgroupMount(_unescape(fields[4]), rest[0], frozenset(rest[2].split(","))))
    return tuple(out)


@dataclass(frozen=True)
class HugetlbState:
    """Where hugetlb is bound, as seen from this mount namespace."""

    hierarchy: int
    num_cgroups: int
    cgroup2_dir: str | None  # where cgroup2 is mounted (None: not mounted here)
    cgroup2_lists_it: bool  # cgroup2's cgroup.controllers names hugetlb
    v1_mountpoints: tuple[str, ...]  # v1 mounts that carry hugetlb in this namespace
    hybrid: bool = True  # v1 hierarchies are mounted beside cgroup2 (False: pure v2 at /sys/fs/cgroup, or no v2)

    @property
    def on_cgroup2(self) -> bool:
        return self.hierarchy == 0 and self.cgroup2_lists_it

    def describe(self) -> str:
        if self.on_cgroup2:
            return f"hugetlb on cgroup2 ({self.cgroup2_dir}/cgroup.controllers lists it; /proc/cgroups hierarchy 0)"
        if self.hierarchy:
            where = ", ".join(self.v1_mountpoints) or "not mounted in this namespace"
            return (f"hugetlb on v1 hierarchy {self.hierarchy} ({where}; {self.num_cgroups} cgroups)")
        return f"hugetlb on no hierarchy (cgroup2 at {self.cgroup2_dir} does not list it)"


def state_from(proc_cgroups: str, mountinfo: str, read_controllers: Callable[[str], str]) -> HugetlbState:
    """The state from /proc/cgroups, mountinfo and a reader of ``<cgroup2 dir>/cgroup.controllers``."""
    sub = parse_proc_cgroups(proc_cgroups).get(CONTROLLER, Subsys(0, 0, False))
    mounts = parse_cgroup_mounts(mountinfo)
    v2 = [m.mountpoint for m in mounts if m.fstype == "cgroup2"]
    v2_dir = next((p for p in v2 if p.startswith(CGROUP_ROOT)), v2[0] if v2 else None)
    lists = v2_dir is not None and CONTROLLER in read_controllers(v2_dir).split()
    v1 = tuple(m.mountpoint for m in mounts if m.fstype == "cgroup" and CONTROLLER in m.options)
    hybrid = v2_dir is not None and v2_dir != CGROUP_ROOT and any(m.fstype == "cgroup" for m in mounts)
    return HugetlbState(sub.hierarchy, sub.num_cgroups, v2_dir, lists, v1, hybrid)


def needs_switch(state: HugetlbState) -> bool:
    """crun refuses a hybrid layout in which cgroup2 still owns hugetlb (a pure v2 host is fine)."""
    return state.hybrid and state.on_cgroup2


# ---- reading the machine -----------------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def read_state() -> HugetlbState:
    return state_from(_read("/proc/cgroups"), _read("/proc/self/mountinfo"),
                      lambda d: _read(f"{d}/cgroup.controllers"))


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def wait_back_on_cgroup2(timeout: float) -> HugetlbState:
    """Poll until cgroup2 lists hugetlb again (the v1 root is destroyed asynchronously after umount)."""
    wait_until(lambda: read_state().on_cgroup2, timeout)
    return read_state()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM are ignored while a cleanup runs (as bench/harness's teardown does)."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# ---- the worker (a forked child in a private mount namespace) ---------------------------------------------------
def _syscalls():
    """The runtime's syscall wrappers, imported only on the root-only path (the parsing stays importable anywhere)."""
    from runtime.linux.syscalls import Syscalls

    return Syscalls()


def _private_mount_ns(sc) -> None:
    from runtime.linux.syscalls import CLONE_NEWNS, MS_PRIVATE, MS_REC

    sc.unshare(CLONE_NEWNS)
    sc.mount(None, "/", None, MS_REC | MS_PRIVATE)


def _mount_hugetlb(sc, where: Path) -> None:
    from runtime.linux.syscalls import MS_NODEV, MS_NOEXEC, MS_NOSUID

    where.mkdir(exist_ok=True)
    sc.mount("cgroup", str(where), "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, CONTROLLER)


def _cgroup_root_with_hugetlb(sc, stage: Path) -> Path:
    """In this (private) namespace: a fresh tmpfs over /sys/fs/cgroup holding binds of every hierarchy + hugetlb."""
    from runtime.linux.syscalls import MS_BIND, MS_MOVE, MS_NODEV, MS_NOEXEC, MS_NOSUID

    stage.mkdir(exist_ok=True)
    sc.mount("tmpfs", str(stage), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755")
    for entry in sorted(os.scandir(CGROUP_ROOT), key=lambda e: e.name):
        target = stage / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            target.mkdir()
            sc.mount(entry.path, str(target), None, MS_BIND)
    _mount_hugetlb(sc, stage / CONTROLLER)
    sc.mount(str(stage), CGROUP_ROOT, None, MS_MOVE)
    return Path(CGROUP_ROOT, CONTROLLER)


def _count() -> int:
    sub = parse_proc_cgroups(_read("/proc/cgroups")).get(CONTROLLER)
    return sub.num_cgroups if sub else 0


def _release(sc, mountpoint: Path, timeout: float = 5.0) -> str | None:
    """rmdir every child cgroup, wait until the kernel has freed them, umount. Returns a problem or None."""
    from runtime.errors import KernelError

    problems = []
    for dirpath, _dirs, _files in sorted(os.walk(mountpoint), key=lambda w: -len(w[0])):
        if Path(dirpath) != mountpoint:
            try:
                os.rmdir(dirpath)
            except OSError as exc:
                problems.append(f"rmdir {dirpath}: {exc.strerror}")
    if not wait_until(lambda: _count() <= 1, timeout):
        problems.append(f"{_count() - 1} child cgroups still counted in /proc/cgroups after {timeout:.0f} s")
    try:
        sc.umount2(str(mountpoint))
    except KernelError as exc:  # reported; the caller checks the layout afterwards anyway
        problems.append(str(exc))
    return "; ".join(problems) or None


def _switched_command(argv: list[str], stage: Path, cleanup: Callable[[], None] | None) -> dict:
    sc = _syscalls()
    _private_mount_ns(sc)
    mountpoint = _cgroup_root_with_hugetlb(sc, stage)
    try:
        t = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        took = time.perf_counter() - t
        if proc.returncode != 0 and cleanup:
            cleanup()
    finally:
        problem = _release(sc, mountpoint)
    return {"seconds": took, "returncode": proc.returncode, "output": (proc.stderr or proc.stdout)[-2000:],
            "release_problem": problem}


def _repair_in_ns(stage: Path) -> dict:
    """Re-attach to a hugetlb hierarchy left bound to v1 (mount finds the live root), empty it, umount."""
    sc = _syscalls()
    _private_mount_ns(sc)
    stage.mkdir(exist_ok=True)
    _mount_hugetlb(sc, stage)
    return {"release_problem": _release(sc, stage)}


def _in_worker(job: Callable[[], dict]) -> dict:
    """Run ``job`` in a forked child (which ignores Ctrl-C so it always finishes its undo); its result dict."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns into the caller's code
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            payload = job()
            code = 0
        except BaseException as exc:  # noqa: BLE001 - the worker reports everything, then exits
            payload = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            with contextlib.suppress(BaseException):
                os.write(w, json.dumps(payload).encode())
            os._exit(code)
    os.close(w)
    chunks: list[bytes] = []
    try:
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
    finally:
        with signals_held():
            os.close(r)
            os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b'{"error": "the worker died without a word"}')


@dataclass(frozen=True)
class Switched:
    """One command run with hugetlb on v1: its time and exit status, and how the undo went."""

    seconds: float | None
    returncode: int | None
    output: str
    problem: str | None  # the worker's error or its undo problem (the layout was still checked afterwards)


def restore(stage: Path, attempts: int = 3, timeout: float = 5.0) -> HugetlbState:
    """Bring hugetlb back to cgroup2: wait, then remount/empty/umount up to ``attempts`` times. Raises if stuck."""
    state = wait_back_on_cgroup2(timeout)
    notes = []
    for _ in range(attempts):
        if state.on_cgroup2:
            return state
        res = _in_worker(lambda: _repair_in_ns(stage))
        notes += [v for v in (res.get("error"), res.get("release_problem")) if v]
        state = wait_back_on_cgroup2(timeout)
    if state.on_cgroup2:
        return state
    raise HugetlbNotRestored(f"hugetlb did not return to cgroup2 ({state.describe()}) after {attempts} repair "
                             f"attempts{': ' + '; '.join(notes) if notes else ''}. Fix by hand: mount -t cgroup -o "
                             f"hugetlb cgroup /mnt, rmdir its child dirs, umount /mnt")


def run_switched(argv: list[str], stage: Path, cleanup: Callable[[], None] | None = None) -> Switched:
    """Run ``argv`` (timed) with hugetlb bound to v1, then restore the layout before returning.

    ``stage`` is an empty directory of ours (the worker mounts on it only inside its namespace); ``cleanup`` runs in
    the same layout if ``argv`` fails. Raises HugetlbNotRestored if hugetlb cannot be brought back to cgroup2.
    """
    try:
        res = _in_worker(lambda: _switched_command(argv, stage, cleanup))
    finally:
        with signals_held():
            restore(stage)
    problem = res.get("error") or res.get("release_problem")
    return Switched(res.get("seconds"), res.get("returncode"), res.get("output", ""), problem)
