"""compose-go's merge tests, replayed: every base/override/expected triple from its Go test literals.

Like the upstream ``assertMergeYaml``, the override is merged onto the base and the result (after unique-key
enforcement) must equal the expected YAML exactly: same keys, same syntax, same order of sequence items.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compose.loader.merge import merge
from tests.support.merge_yaml import read_one
from tests.support.paths import corpus_dir

OVERRIDE = corpus_dir() / "compose-go" / "_inline" / "override"
BASE_ROLES = ("base", "right", "l")
OVER_ROLES = ("override", "left", "r")

# Tests whose Go body merges its literals in an order the file numbering does not show (sub-tests reuse them).
EXPLICIT: dict[str, list[tuple[str, str, str]]] = {
    "TestMergeEnvFilesMixed": [("02_r", "01_l", "03_expected"), ("01_l", "02_r", "04_expected"),
                               ("01_l", "05_r", "06_expected")],
    "TestMemLimitMixed": [("02_r", "01_l", "03_expected"), ("01_l", "02_r", "04_expected")],
}


def _triples() -> list[tuple[str, Path, Path, Path]]:
    out = []
    for gofile in sorted(OVERRIDE.iterdir()):
        tests: dict[str, dict[str, Path]] = {}
        for f in gofile.glob("*.yaml"):
            m = re.fullmatch(r"(\w+?)__(\d\d_\w+)\.yaml", f.name)
            assert m, f.name
            tests.setdefault(m.group(1), {})[m.group(2)] = f
        for test, files in sorted(tests.items()):
            if test in EXPLICIT:
                for b, o, e in EXPLICIT[test]:
                    out.append((f"{test}[{b}+{o}]", files[b], files[o], files[e]))
                continue
            by_role = {key.split("_", 1)[1]: f for key, f in files.items()}
            base = next(by_role[r] for r in BASE_ROLES if r in by_role)
            over = next(by_role[r] for r in OVER_ROLES if r in by_role)
            out.append((test, base, over, by_role["expected"]))
    return out


TRIPLES = _triples() if OVERRIDE.is_dir() else []


@pytest.mark.parametrize("name,base,over,expected", TRIPLES, ids=[t[0] for t in TRIPLES])
def test_merge_matches_compose_go(name: str, base: Path, over: Path, expected: Path) -> None:
    b = read_one(base.read_text(), base.name)
    o = read_one(over.read_text(), over.name)
    got, _ = merge(b.data, o.data, b.marks, o.marks)
    assert got == read_one(expected.read_text(), expected.name).data


def test_every_override_triple_is_replayed() -> None:
    assert len(TRIPLES) >= 33
