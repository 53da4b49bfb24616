"""Pulls survive kill -9 and concurrency: a blob is named only once complete and verified."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runtime.images.service import ImageService
from tests.support.eventually import eventually
from tests.support.images import Entry, Layout, tar_bytes
from tests.support.paths import REPO
from tests.support.registry import registry  # noqa: F401 - fixture

pytestmark = pytest.mark.registry

PULL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from runtime.images.service import ImageService
    root, ref, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]) if len(sys.argv) > 3 else None
    def progress(event):
        if marker and event.phase == "downloading" and 0 < event.current < event.total:
            marker.write_text(event.digest)
            time.sleep(3600)  # hold this download half-done until the test kills us
    info = ImageService(root).pull(ref, progress=progress)
    print(info.id)
""")


def big_image(tmp_path: Path, registry) -> tuple[str, list[str]]:
    """A 3-layer image (~24 MB, incompressible) pushed to the registry; returns (ref, layer digests)."""
    layout = Layout(tmp_path / "layout")
    layers = [tar_bytes([Entry(f"data{i}", data=os.urandom(8 * 1024 * 1024))]) for i in range(3)]
    built = layout.image(layers, compression="none")
    layout.tag("seed", built.manifest_digest, built.media_type)
    ref = f"{registry.host}/big/data:v1"
    seeder = ImageService(tmp_path / "seed")
    seeder.load(layout.root)
    seeder.tag(built.config_digest, ref)
    seeder.push(ref)
    return ref, list(built.layer_digests)


def run_pull(root: Path, ref: str, marker: Path | None = None) -> subprocess.Popen:
    args = [sys.executable, "-c", PULL_SCRIPT, str(root), ref] + ([str(marker)] if marker else [])
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def assert_every_named_blob_is_complete(root: Path) -> None:
    for path in (root / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"corrupt blob {path.name}"


def test_kill_9_mid_download_then_pull_again_completes(tmp_path, registry):
    ref, layers = big_image(tmp_path, registry)
    root, marker = tmp_path / "root", tmp_path / "marker"
    proc = run_pull(root, ref, marker)
    try:
        eventually(lambda: marker.exists() and marker.read_text(), timeout=60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    stalled = marker.read_text()
    partial = root / "blobs" / "tmp" / f"{stalled.split(':')[1]}.partial"
    assert partial.exists() and 0 < partial.stat().st_size < 8 * 1024 * 1024 + 4096
    assert not (root / "blobs" / "sha256" / stalled.split(":")[1]).exists()
    assert_every_named_blob_is_complete(root)
    svc = ImageService(root)
    assert svc.list() == []
    info = svc.pull(ref)
    assert_every_named_blob_is_complete(root)
    assert all((root / "blobs" / "sha256" / d.split(":")[1]).exists() for d in layers)
    dirs = svc.rootfs_layers(ref)
    assert [sorted(p.name for p in d.iterdir()) for d in dirs] == [["data0"], ["data1"], ["data2"]]
    assert [i.id for i in svc.list()] == [info.id]


def test_two_processes_pulling_the_same_image_share_the_store_safely(tmp_path, registry):
    ref, layers = big_image(tmp_path, registry)
    root = tmp_path / "root"
    procs = [run_pull(root, ref) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1].decode()[-2000:] for r in results]
    ids = {r[0].decode().strip() for r in results}
    assert len(ids) == 1
    assert_every_named_blob_is_complete(root)
    svc = ImageService(root)
    assert [i.id for i in svc.list()] == list(ids)
    assert len([p for p in (root / "layers").iterdir() if p.name != ".tmp"]) == 3
    assert [p for p in (root / "layers" / ".tmp").iterdir() if not p.name.endswith(".lock")] == []
