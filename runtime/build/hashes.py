"""A file-digest cache for build contexts that outlives one process, so an unchanged context is not re-read.

Keys are the planner's (path, size, mtime, ctime, inode) strings, so an edited file never matches a stale
entry. One JSON file per context dir under ``DOCKYARD_ROOT/buildcache/contexts/``; only the entries a build
used are written back, so files that changed or went away drop out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from runtime.state import atomic_write


class ContextHashes(MutableMapping[str, str]):
    def __init__(self, root: Path, context_dir: Path) -> None:
        name = hashlib.sha256(str(Path(context_dir).resolve()).encode()).hexdigest()[:32]
        self.path = Path(root) / "buildcache" / "contexts" / f"{name}.json"
        try:
            self.known: dict[str, str] = dict(json.loads(self.path.read_bytes()))
        except (OSError, ValueError, TypeError):
            self.known = {}
        self.used: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        value = self.used.get(key)
        if value is None:
            value = self.used[key] = self.known[key]
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self.used[key] = value

    def __delitem__(self, key: str) -> None:
        self.used.pop(key, None)
        self.known.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.used)

    def __len__(self) -> int:
        return len(self.used)

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def save(self) -> None:
        """Write back the entries this build used (nothing when they are what was read)."""
        if self.used == self.known:
            return
        try:
            atomic_write(self.path, json.dumps(self.used, separators=(",", ":")).encode())
        except OSError:
            pass  # a cache: losing it only costs re-hashing
