"""Every Dockerfile of the awesome-compose corpus parses and plans, for every stage, with its real context.

The base images cannot be pulled here, so nothing is built; the plan must still resolve every stage, every
substitution and every context source that exists. Sources the corpus does not ship (lock files) are reported
as plan problems, never as a failure to plan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.images.buildplan import plan_build
from runtime.images.dockerfile import From, parse_dockerfile
from tests.support.paths import corpus_dir

ROOT = corpus_dir() / "awesome-compose"
DOCKERFILES = sorted(p for p in ROOT.rglob("Dockerfile*") if p.is_file() and not p.name.endswith(".dockerignore"))


@pytest.mark.skipif(not ROOT.is_dir(), reason="awesome-compose corpus not present")
def test_the_corpus_has_dockerfiles():
    assert len(DOCKERFILES) >= 30


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_parses_and_plans(path: Path):
    text = path.read_text()
    parsed = parse_dockerfile(text)
    froms = [i for i in parsed.instructions if isinstance(i, From)]
    assert len(froms) == len(re.findall(r"(?im)^\s*FROM\s", text))
    targets = [None] + [f.stage_name for f in froms if f.stage_name]
    for target in targets:
        plan = plan_build(text, context_dir=path.parent, build_args={}, target=target, dockerfile_path=path)
        assert plan.target.label == (target or plan.target.label)
        assert all(step.cache_key for stage in plan.stages for step in stage.steps if step.builds_layer)
        for problem in plan.problems():
            assert "not found in build context" in problem, problem
        description = plan.describe()
        for stage in plan.stages:
            assert f"stage {stage.index} {stage.label!r}" in description
