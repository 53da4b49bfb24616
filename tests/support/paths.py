"""Where the shared read-only corpus lives (beside the checkout, as ../shared)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    env = os.environ.get("DOCKYARD_SHARED")
    if env:
        return Path(env)
    return REPO.parent / "shared"


def corpus_dir() -> Path:
    return shared_dir() / "corpus"
