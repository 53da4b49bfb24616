"""Pull speed: dockyard against skopeo, pulling a ~100 MB 5-layer gzip image from a local registry.

Run: ``.venv/bin/python bench/bench_pull.py [--mb 100] [--runs 3]``. Starts Debian's docker-registry on 127.0.0.1,
pushes a generated image with dockyard, then times, each from an empty destination:
  skopeo      ``skopeo copy docker://127.0.0.1:PORT/bench/pull:1 oci:DIR`` (download + verify, no unpack)
  dy-fetch    dockyard's client fetching the same blobs into its store (download + verify, no unpack)
  dy-pull     ``ImageService.pull`` (download + verify + unpack every layer, what ``dockyard pull`` does)
Prints a table and writes ``bench/results/pull.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.images.registry import RegistryClient  # noqa: E402
from runtime.images.service import ImageService  # noqa: E402
from runtime.images.store import ContentStore  # noqa: E402
from tests.support.images import Entry, Layout, tar_bytes  # noqa: E402
from tests.support.registry import start_registry  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "pull.json"
LAYERS = 5


def layer_entries(rng: random.Random, mb: float, n: int) -> list[Entry]:
    """Files that are half text, half random bytes (compress to roughly 55%)."""
    words = [bytes(rng.choice(b"abcdefghijklmnop_") for _ in range(rng.randint(2, 10))) for _ in range(2000)]
    entries, budget, i = [Entry(f"l{n}", "dir")], int(mb * (1 << 20)), 0
    while budget > 0:
        size = min(budget, rng.randint(1 << 10, 1 << 20))
        text = b" ".join(rng.choices(words, k=size // 6 + 1))[: size // 2]
        entries.append(Entry(f"l{n}/f{i}", data=text + rng.randbytes(size - len(text))))
        budget, i = budget - size, i + 1
    return entries


def seed(work: Path, host: str, mb: int) -> tuple[str, int]:
    rng = random.Random(42)
    layout = Layout(work / "layout")
    built = layout.image([tar_bytes(layer_entries(rng, mb / LAYERS, n)) for n in range(LAYERS)])
    layout.tag("seed", built.manifest_digest, built.media_type)
    svc = ImageService(work / "seed")
    svc.load(layout.root)
    ref = f"{host}/bench/pull:1"
    svc.tag(built.config_digest, ref)
    svc.push(ref)
    total = sum((layout.root / "blobs" / "sha256" / d[7:]).stat().st_size for d in built.layer_digests)
    return ref, total


def fetch_only(root: Path, ref: str) -> None:
    host, rest = ref.split("/", 1)
    repo, tag = rest.rsplit(":", 1)
    store = ContentStore(root)
    with RegistryClient(host) as client:
        from runtime.images.platform import parse_manifest
        fetched = client.get_manifest(repo, tag)
        manifest = parse_manifest(fetched.data, fetched.media_type)
        blobs = [manifest.config, *manifest.layers]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda d: store.write_blob(d.digest, d.size,
                                                     lambda s: client.fetch_blob(repo, d, s)), blobs))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(mb: int, runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="dy-bench-pull-"))
    reg = start_registry(work / "registry")
    try:
        ref, compressed = seed(work, reg.host, mb)
        cases = {
            "skopeo": lambda d: subprocess.run(["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                                                f"docker://{ref}", f"oci:{d}:x"], check=True),
            "dy-fetch": lambda d: fetch_only(d, ref),
            "dy-pull": lambda d: ImageService(d).pull(ref),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(runs):
            for name, fn in cases.items():
                dest = work / f"{name}-{i}"
                times[name].append(timed(lambda: fn(dest)))
                shutil.rmtree(dest)
        med = {name: statistics.median(t) for name, t in times.items()}
        return {"uncompressed_mb": mb, "compressed_bytes": compressed, "layers": LAYERS, "runs": runs,
                **{f"{k}_s": round(v, 3) for k, v in med.items()},
                "ratio_skopeo_to_dy_fetch": round(med["skopeo"] / med["dy-fetch"], 3),
                "ratio_skopeo_to_dy_pull": round(med["skopeo"] / med["dy-pull"], 3),
                "all": {k: [round(x, 3) for x in v] for k, v in times.items()},
                "python": platform.python_version(), "cpus": os.cpu_count(), "kernel": platform.release()}
    finally:
        reg.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = run(args.mb, args.runs)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    mbs = result["compressed_bytes"] / (1 << 20)
    print(f"{result['layers']} layers, {result['uncompressed_mb']} MB uncompressed, {mbs:.1f} MB compressed, "
          f"median of {result['runs']}")
    print(f"{'tool':<10} {'seconds':>8} {'MB/s':>8} {'skopeo/x':>9}")
    for name in ("skopeo", "dy-fetch", "dy-pull"):
        secs = result[f"{name}_s"]
        print(f"{name:<10} {secs:>8.3f} {mbs / secs:>8.1f} {result['skopeo_s'] / secs:>9.2f}")


if __name__ == "__main__":
    main()
