"""The shared corpus: its MANIFEST, and the reference schema's verdict on a document (an oracle, never shipped)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.support.paths import corpus_dir


@dataclass(frozen=True)
class Entry:
    path: str  # corpus-relative
    kind: str
    role: str | None
    expects_error: str | bool | None
    hints: str
    go_func: str | None = None
    callee: str | None = None
    source_path: str | None = None
    env: tuple[tuple[str, str], ...] = ()  # the first environment map the Go test passes

    @property
    def file(self) -> Path:
        return corpus_dir() / self.path


@lru_cache(maxsize=1)
def manifest() -> tuple[Entry, ...]:
    data = json.loads((corpus_dir() / "MANIFEST.json").read_text())
    return tuple(
        Entry(f["path"], f["kind"], f.get("role"), f.get("expects_error"), str(f.get("error_hints", "")),
              f.get("go_func"), f.get("callee"), f.get("source_path"),
              tuple(sorted((f.get("env_maps") or [{}])[0].items())))
        for f in data["files"]
    )  # fmt: skip


def without_resets(value: Any) -> Any:
    """Plain data as compose-go validates one file: ``!reset`` entries removed, ``!override`` values kept."""
    from compose.loader.document import Override, Reset

    if isinstance(value, Override):
        return without_resets(value.value)
    if isinstance(value, dict):
        return {k: without_resets(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [without_resets(v) for v in value if not isinstance(v, Reset)]
    return value


def unwrap(value: Any) -> Any:
    """Plain data from a read_yaml result (Reset/Override tags replaced by their values)."""
    from compose.loader.document import Override, Reset

    if isinstance(value, (Reset, Override)):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _reference_validator():
    import jsonschema

    schema = json.loads((corpus_dir() / "compose-go" / "schema" / "compose-spec.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def reference_accepts(data: Any) -> bool:
    """The upstream reference schema's verdict (compose-go's copy, the one the reference loader uses)."""
    return _reference_validator().is_valid(data)
