"""``Builder.plan`` (what ``dockyard build --print`` shows) works offline for every awesome-compose Dockerfile:
no base image is pulled, and the plan names its stages and steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.build import Builder, BuildRequest
from runtime.images.service import ImageService
from tests.support.paths import corpus_dir

DOCKERFILES = sorted((corpus_dir() / "awesome-compose").rglob("Dockerfile*"))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(corpus_dir())))
def test_every_corpus_dockerfile_plans_without_pulling(dockerfile: Path, tmp_path):
    images = ImageService(tmp_path)
    plan = Builder(images, tmp_path).plan(BuildRequest(dockerfile.parent, dockerfile=dockerfile))
    text = plan.describe()
    assert text.startswith(f"build plan for {dockerfile.name}") and "stage 0" in text
    assert images.list() == []


def test_the_corpus_has_dockerfiles():
    assert len(DOCKERFILES) >= 30
