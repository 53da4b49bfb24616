"""Container records on disk: ``$DOCKYARD_ROOT/containers/<id>/state.json``, a name index, lookups by id, prefix
or name, and the status state machine (which verbs a status allows).

A record is a plain dict (JSON); ``update`` changes it under the container's lock, so the CLI and a container's
holder never lose each other's writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from runtime.errors import ContainerError, ContainerNotFoundError, StateError
from runtime.linux.files import read_bytes
from runtime.state import (
    SharedHold,
    atomic_write,
    discard,
    durable_temp,
    file_lock,
    fsync_dir,
)
from runtime.types import ContainerInfo, PortInfo

Record = dict[str, Any]

CREATED, RUNNING, PAUSED, RESTARTING, EXITED, DEAD, REMOVING = (
    "created", "running", "paused", "restarting", "exited", "dead", "removing")
STATES = (CREATED, RUNNING, PAUSED, RESTARTING, EXITED, DEAD, REMOVING)
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
LOG_NAME = "container-json.log"
TRASH = ".trash"  # removed container dirs on their way out (a dot name: never taken for a container id)
TRASH_AGE = 60.0  # seconds after which trash left by a killed remove is swept by the next one


def can_start(state: str) -> bool:
    return state in (CREATED, EXITED, DEAD)


def can_stop(state: str) -> bool:
    return state in (RUNNING, PAUSED, RESTARTING)


def can_pause(state: str) -> bool:
    return state == RUNNING


def can_unpause(state: str) -> bool:
    return state == PAUSED


def can_remove(state: str, force: bool) -> bool:
    return force or state in (CREATED, EXITED, DEAD)


def is_active(state: str) -> bool:
    """A process exists (or is about to, while restarting)."""
    return state in (RUNNING, PAUSED, RESTARTING)


def now_rfc3339() -> str:
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def new_id() -> str:
    while True:
        cid = os.urandom(32).hex()  # as secrets.token_hex, without loading hmac/OpenSSL
        if not cid[:12].isdigit():  # a short id must never look like a number
            return cid


def check_name(name: str) -> None:
    if not NAME_RE.match(name) or len(name) > 255:
        raise ContainerError(f"create container {name!r}: invalid name; use letters, digits, '_', '.', '-' "
                             "and start with a letter or digit")


class ContainerStore:
    """All container records under one DOCKYARD_ROOT."""

    def __init__(self, root: Path | str) -> None:
        self.dir = Path(root) / "containers"
        self.names = self.dir / ".names"
        self._ephemeral: set[str] = set()  # ids added with durable=False: none of their writes is fsynced

    def cdir(self, cid: str) -> Path:
        return self.dir / cid

    def log_path(self, cid: str) -> Path:
        return self.dir / cid / LOG_NAME

    @contextlib.contextmanager
    def _index_lock(self) -> Iterator[None]:
        with file_lock(self.dir / ".lock"):
            yield

    def lock(self, cid: str):  # noqa: ANN201 - a context manager
        return file_lock(self.dir / cid / ".lock")

    # -- create / remove ------------------------------------------------------------------------------------
    def add(self, record: Record, durable: bool = True) -> None:
        """Write a new record, reserving its name (ContainerError if the name is taken).

        The fsynced writes happen before the index lock is taken (the id is new, nobody else writes there); under
        the lock the name is checked and two renames publish the record and the name. A crash before them leaves
        a directory with no state.json, which no lookup lists.

        ``durable=False`` (a container this process removes again: ``run --rm`` in the foreground): no write of
        this record is fsynced. Readers and a ``kill -9`` still see all or nothing (temp + rename); only a power
        loss may lose or tear it, and then the container it describes is gone anyway."""
        check_name(record["name"])
        cid, cdir, holder = record["id"], self.cdir(record["id"]), self.names / record["name"]
        cdir.mkdir(parents=True, exist_ok=False)
        if not durable:
            self._ephemeral.add(cid)
        try:
            state = durable_temp(cdir / "state.json", json.dumps(record, sort_keys=True).encode(), durable=durable)
            name = durable_temp(holder, cid.encode(), durable=durable)
            try:
                with self._index_lock():
                    self._check_free(record["name"], holder)
                    os.replace(state, cdir / "state.json")
                    os.replace(name, holder)
            finally:
                discard(name)
        except BaseException:
            _rmtree(cdir, ignore_errors=True)
            self._ephemeral.discard(cid)
            raise
        if durable:
            fsync_dir(cdir)
            fsync_dir(self.names)

    def _check_free(self, name: str, holder: Path) -> None:
        """Under the index lock: refuse a name in use. A record a killed ``create`` left half-made does not hold
        its name: its directory goes to the trash (as ``delete`` does) and the name is taken over."""
        with contextlib.suppress(FileNotFoundError):
            other = holder.read_text().strip()
            if other and (self.dir / other / "state.json").exists():
                with contextlib.suppress(ContainerNotFoundError, StateError):
                    if abandoned(self.read(other)):
                        os.rename(self.cdir(other), self._trash_slot(other))
                        return
                raise ContainerError(
                    f"create container {name}: the name is already in use by container {other[:12]}; "
                    "remove that container or pick another name")

    def delete(self, cid: str, name: str) -> None:
        """Drop the record and its directory. The directory is renamed into ``.trash`` (atomic: lookups see the
        container or nothing) and removed there, outside the index lock; a crash leaves only trash, swept later."""
        gone: Path | None = self._trash_slot(cid)
        try:
            os.rename(self.cdir(cid), gone)
        except FileNotFoundError:
            gone = None
        except OSError:  # e.g. EBUSY: remove it in place, as before
            _rmtree(self.cdir(cid), ignore_errors=True)
            gone = None
        _index_holds.run(str(self.dir), self._index_lock, lambda _held: self._release_name(cid, name))
        if gone is not None:
            _rmtree(gone, ignore_errors=True)
        self._ephemeral.discard(cid)
        trash = self.dir / TRASH
        if str(trash) not in _swept:  # once per process: what a killed command left is old by then or next time
            _swept.add(str(trash))
            _sweep(trash)

    def _trash_slot(self, cid: str) -> Path:
        """A fresh name in ``.trash`` for container ``cid``'s directory (renamed there, then removed)."""
        trash = self.dir / TRASH
        trash.mkdir(parents=True, exist_ok=True)
        return trash / f"{cid}.{os.urandom(4).hex()}"

    def _release_name(self, cid: str, name: str) -> None:
        """Under the index lock: free ``name`` if it still names ``cid``."""
        holder = self.names / name
        with contextlib.suppress(FileNotFoundError):
            if holder.read_text().strip() == cid:
                holder.unlink()

    # -- read / write ---------------------------------------------------------------------------------------
    def _write(self, record: Record, durable: bool = True) -> None:
        atomic_write(self.cdir(record["id"]) / "state.json", json.dumps(record, sort_keys=True).encode(),
                     durable=durable and record["id"] not in self._ephemeral)

    def read(self, cid: str) -> Record:
        try:
            return json.loads(read_bytes(f"{self.dir}/{cid}/state.json"))
        except (FileNotFoundError, NotADirectoryError):
            raise ContainerNotFoundError(f"no such container: {cid}") from None
        except ValueError as exc:
            raise StateError(f"read state of container {cid[:12]}: corrupt state.json ({exc}); remove it with "
                             "`dockyard container rm -f`") from exc

    def update(self, cid: str, change: Callable[[Record], None], durable: bool = True) -> Record:
        """Apply ``change`` to the record under the container's lock; return the new record.

        ``durable=False`` for changes of runtime facts only (running, endpoints, ports): atomic, not fsynced."""
        with self.lock(cid):
            record = self.read(cid)
            change(record)
            self._write(record, durable)
        return record

    def ids(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.name for p in self.dir.iterdir() if (p / "state.json").exists())

    def all(self) -> list[Record]:
        out = []
        for cid in self.ids():
            with contextlib.suppress(ContainerNotFoundError, StateError):
                out.append(self.read(cid))
        return out

    def resolve(self, ref: str) -> str:
        """An id from a full id, a unique id prefix or a name."""
        if not ref:
            raise ContainerNotFoundError("no such container: (empty name)")
        if NAME_RE.match(ref):
            holder = self.names / ref
            with contextlib.suppress(FileNotFoundError):
                cid = read_bytes(str(holder)).decode().strip()
                if (self.dir / cid / "state.json").exists():
                    return cid
        if (self.dir / ref / "state.json").exists():
            return ref
        matches = [cid for cid in self.ids() if cid.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ContainerError(f"container reference {ref!r} is ambiguous ({len(matches)} containers match); "
                                 "use more characters of the id or the name")
        raise ContainerNotFoundError(f"no such container: {ref}")


_index_holds = SharedHold()  # deletes in parallel (``down``) release their names under one index lock hold
_swept: set[str] = set()  # trash directories this process has swept (and so knows to exist)


def _sweep(trash: Path) -> None:
    """Remove trash a killed ``delete`` left behind (old enough that no running delete is still removing it)."""
    cutoff = time.time() - TRASH_AGE
    with contextlib.suppress(OSError):
        for entry in os.scandir(trash):
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_ctime < cutoff:
                    _rmtree(entry.path, ignore_errors=True)


def pid_alive(pid: int | None, start_time: int | None) -> bool:
    """Is ``pid`` still the process we recorded (same start time), not a reused pid?"""
    if not pid:
        return False
    try:
        fields = read_bytes(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if fields[0] == b"Z":
        return False
    return start_time is None or int(fields[19]) == start_time


def creator_mark() -> list:
    """What ``create`` stores in a record while it provisions it: this process (pid and start time)."""
    pid = os.getpid()
    return [pid, pid_start_time(pid)]


def abandoned(rec: Record) -> bool:
    """Was the record left half-made by a ``create`` whose process died (``kill -9`` of ``up``)? Its mounts,
    launch file and network namespace may be missing: it is not a container, only litter to remove."""
    creator = rec.get("creating")
    return bool(creator) and not pid_alive(creator[0], creator[1])


def pid_start_time(pid: int) -> int | None:
    try:
        return int(read_bytes(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def to_info(rec: Record) -> ContainerInfo:
    health = rec.get("health")
    if health:
        from runtime.types_later import HealthInfo
    return ContainerInfo(
        id=rec["id"], name=rec["name"], image=rec["image"], image_id=rec["image_id"],
        command=tuple(rec.get("command", ())), labels=tuple(sorted(rec.get("labels", {}).items())),
        state=rec["state"], created=rec["created"], started_at=rec.get("started_at"),
        finished_at=rec.get("finished_at"), exit_code=rec.get("exit_code"), oom_killed=rec.get("oom_killed", False),
        pid=rec.get("pid") if is_active(rec["state"]) else None, restart_count=rec.get("restart_count", 0),
        health=HealthInfo(health["status"], health.get("failing_streak", 0), tuple(health.get("log", ())))
        if health else None,
        ports=tuple(PortInfo(**p) for p in rec.get("ports", ())),
        networks=tuple((n["network"], n["ip"]) for n in rec.get("endpoints", ())),
        warnings=tuple(rec.get("warnings", ())),
    )


def new_record(cid: str, name: str, image: str, image_id: str, labels: dict[str, str]) -> Record:
    return {"id": cid, "name": name, "image": image, "image_id": image_id, "labels": labels, "state": CREATED,
            "created": now_rfc3339(), "command": [], "restart_count": 0, "exit_code": None, "started_at": None,
            "finished_at": None, "pid": None, "pid_start": None, "holder_pid": None, "holder_start": None,
            "oom_killed": False, "anonymous_volumes": [], "volumes": [], "endpoints": [],
            "ports": [], "netns": None, "health": None}


# -- what the monitor and the kernel observed ---------------------------------------------------------------

_DRIVER: list = []


def cgroups():  # noqa: ANN201 - the host's cgroup driver
    if not _DRIVER:
        from runtime.linux.cgroups import detect

        _DRIVER.append(detect())
    return _DRIVER[0]


def health_of(st: dict | None) -> dict | None:
    if not st:
        return None
    return {"status": st.get("Status"), "failing_streak": st.get("FailingStreak", 0), "log": st.get("Log", [])}


def _rmtree(path: object, ignore_errors: bool = True) -> None:
    """shutil.rmtree, with shutil loaded on use (it imports bz2 and lzma; `ps` never deletes)."""
    import shutil

    shutil.rmtree(path, ignore_errors=ignore_errors)  # type: ignore[arg-type]
