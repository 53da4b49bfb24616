"""Network state on disk: ``$DOCKYARD_ROOT/networks/<name>.json`` (write temp + rename) and the locks around it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator

from runtime.linux.files import read_bytes

Record = dict[str, Any]

HOST_LOCK_ENV = "DOCKYARD_NET_LOCK"
HOST_LOCK_DEFAULT = "/run/lock/dockyard-network.lock"


def root_dir() -> Path:
    return Path(os.environ.get("DOCKYARD_ROOT", "/var/lib/dockyard"))


def run_dir() -> Path:
    return Path(os.environ.get("DOCKYARD_RUN", "/run/dockyard"))


def networks_dir(root: Path) -> Path:
    return Path(root) / "networks"


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(root: Path, host: bool = True) -> Iterator[None]:
    """Hold the host-wide network lock (subnets, bridges, ports are host resources), then this root's lock.

    ``host=False``: this root's lock alone, for changes to endpoints (an address of a network of this root, links
    named after the network and container): other roots' networks never share them."""
    with contextlib.ExitStack() as stack:
        if host:
            stack.enter_context(_flock(Path(os.environ.get(HOST_LOCK_ENV, HOST_LOCK_DEFAULT))))
        stack.enter_context(_flock(networks_dir(root) / ".lock"))
        yield


def path_for(root: Path, name: str) -> Path:
    return networks_dir(root) / f"{name}.json"


def read(root: Path, name: str) -> Record | None:
    try:
        return json.loads(read_bytes(path_for(root, name)))
    except FileNotFoundError:
        return None


def read_all(root: Path) -> dict[str, Record]:
    """Every network record under ``root``, keyed by human name; unreadable files are skipped."""
    out: dict[str, Record] = {}
    d = networks_dir(root)
    if not d.is_dir():
        return out
    for p in sorted(d.glob("*.json")):
        try:
            rec = json.loads(read_bytes(p))
        except (OSError, ValueError):
            continue
        out[rec.get("name", p.stem)] = rec
    return out


def write(root: Path, record: Record, durable: bool = True) -> None:
    """Atomically (temp + rename) write one network record; ``durable`` adds an fsync before the rename.

    Endpoint changes (connect, disconnect, publish) are written with ``durable=False``: they are made under the
    network lock, where every fsync would make the next container wait, and what they describe (veths, netns,
    rules) does not outlive a reboot anyway; readers still see the old or the new record, never a mix."""
    d = networks_dir(root)
    d.mkdir(parents=True, exist_ok=True)
    final = path_for(root, record["name"])
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_native_id()}.tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(record, sort_keys=True))  # one C-encoded string: quick, under the lock
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, final)


def delete(root: Path, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path_for(root, name).unlink()
