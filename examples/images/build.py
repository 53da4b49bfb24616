"""Build dockyard.local/{debian,python,redis,nginx} from Debian packages, import them into a dockyard store and
optionally push them to a registry.

    .venv/bin/python -m examples.images.build [--root DIR] [--push 127.0.0.1:PORT] [--cache DIR] [IMAGE...]

Rootfs tars are cached (see ``cache.py``): a warm run only imports. Images already in the store with the same
layer and config are left alone.

Import today goes through ``ImageService.import_rootfs`` with the recipe's config. When dockyard's Dockerfile
build lands, ``import_image`` becomes: write ``recipe.config.to_dockerfile(tar.name)`` next to the tar and build
that context (``FROM scratch`` + ``ADD rootfs.tar.zst /`` + the same ENV/CMD/EXPOSE/HEALTHCHECK lines).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a file: examples/images/build.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from examples.images import debian  # noqa: E402
from examples.images.cache import CachedRootfs, ImageCache, cache_root  # noqa: E402
from examples.images.recipes import DEBIAN, RECIPES, Recipe, UnknownImageError, find  # noqa: E402
from runtime.errors import ContainerRuntimeError  # noqa: E402
from runtime.images.service import ImageService  # noqa: E402

Report = Callable[[str], None]
DEFAULT_JOBS = min(4, os.cpu_count() or 1)  # measured on 2 CPUs: 2 at once 36 s, 1 at a time 48 s, 4 at once 58 s


@dataclass(frozen=True)
class ImageResult:
    """What happened to one image in one run (seconds are wall-clock)."""

    ref: str
    tar: Path
    tar_bytes: int
    image_bytes: int  # unpacked size in the store
    built: bool  # rootfs built in this run (False: taken from the cache)
    rootfs_seconds: float
    imported: bool  # False: the store already had this exact image
    import_seconds: float
    pushed_as: str | None = None
    push_seconds: float = 0.0


def ensure_rootfs(recipes: Sequence[Recipe], cache: ImageCache, report: Report = lambda _: None,
                  jobs: int = DEFAULT_JOBS) -> dict[str, tuple[CachedRootfs, bool]]:
    """A cached rootfs tar per recipe ref (built now if missing), with whether it was built in this call."""
    with cache.locked():
        missing = [r for r in recipes if cache.lookup(r) is None]
        if missing and cache.lookup(DEBIAN) is None and DEBIAN not in missing:
            missing.insert(0, DEBIAN)  # derived images start from the base; keep it for next time
        if DEBIAN in missing:
            missing.remove(DEBIAN)
            missing.insert(0, DEBIAN)
        if missing:
            _build(missing, cache, report, jobs)
        return {r.ref: (cache.lookup(r), r in missing) for r in recipes}  # type: ignore[misc]


def _build(missing: list[Recipe], cache: ImageCache, report: Report, jobs: int) -> None:
    """Base system once (mmdebstrap, or the cached base tar + apt-get update), every package fetched in one apt
    run, then each image built from its own copy of the base, in parallel."""
    cache.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=cache.work))
    try:
        start = time.monotonic()
        base = work / "base"
        cached_base = cache.lookup(DEBIAN)
        log = cache.log("base")
        log.write_text("")
        if cached_base:
            debian.unpack_base(cached_base.tar, base, cache.debs, log)
        else:
            debian.mmdebstrap_base(base, cache.debs, log)
        packages = sorted({p for recipe in missing for p in recipe.packages})
        if packages:
            debian.download(base, packages, cache.debs, log)
        base_seconds = time.monotonic() - start
        report(f"base system ({'cached tar + apt-get update' if cached_base else 'mmdebstrap'}) and downloads: "
               f"{base_seconds:.1f} s")
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_timed_build, recipe, base, work, cache, report) for recipe in missing]
            for future in futures:
                future.result()
    finally:
        _safe_rmtree(work)


def _timed_build(recipe: Recipe, base: Path, work: Path, cache: ImageCache, report: Report) -> None:
    start = time.monotonic()
    _build_one(recipe, base, work / recipe.name, cache)
    seconds = time.monotonic() - start
    cached = cache.store(recipe, cache.tar_path(recipe), seconds)
    report(f"{recipe.ref}: rootfs built in {seconds:.1f} s after the base ({cached.tar_bytes / 1e6:.1f} MB "
           "tar.zst)")


def _build_one(recipe: Recipe, base: Path, tree: Path, cache: ImageCache) -> None:
    log = cache.log(recipe.name)
    log.write_text("")
    subprocess.run(["cp", "-a", "--reflink=auto", str(base), str(tree)], check=True)
    debian.install(tree, recipe, cache.debs, log)
    debian.clean(tree)
    debian.pack(tree, cache.tar_path(recipe), log)
    _safe_rmtree(tree)


def _safe_rmtree(path: Path) -> None:
    """Remove a build tree, refusing if anything is still mounted below it (never delete through a mount)."""
    if not path.exists():
        return
    prefix = str(path.resolve()) + "/"
    with open("/proc/self/mountinfo") as fh:
        mounted = [line.split()[4] for line in fh if (line.split()[4] + "/").startswith(prefix)]
    if mounted:
        raise debian.ImageBuildError(f"clean up {path}: still mounted: {', '.join(mounted)}; unmount them "
                                     "(umount -R) and remove the directory")
    shutil.rmtree(path)


def import_image(service: ImageService, recipe: Recipe, rootfs: CachedRootfs) -> bool:
    """Import ``rootfs`` as ``recipe.ref`` unless the store already has that layer with that config."""
    if _up_to_date(service, recipe, rootfs):
        return False
    service.import_rootfs(rootfs.tar, recipe.ref, config=recipe.config.to_oci())
    return True


def _up_to_date(service: ImageService, recipe: Recipe, rootfs: CachedRootfs) -> bool:
    if not service.has(recipe.ref):
        return False
    if service.image_config(recipe.ref).get("config") != recipe.config.to_oci():
        return False
    manifest = service.store.manifest(service.get(recipe.ref).manifest_digest)
    return [layer.digest for layer in manifest.layers] == [rootfs.blob_digest]


def push_target(recipe: Recipe, registry: str) -> str:
    """``127.0.0.1:5000`` + ``dockyard.local/redis:7`` -> ``127.0.0.1:5000/redis:7``."""
    return f"{registry}/{recipe.ref.split('/', 1)[1]}"


def ensure_images(root: Path | None, names: Sequence[str] = (), *, cache: Path | None = None,
                  push: str | None = None, report: Report = lambda _: None,
                  jobs: int = DEFAULT_JOBS) -> list[ImageResult]:
    """Make sure the named images (all by default) are in the store at ``root`` (None: $DOCKYARD_ROOT);
    build missing rootfs tars first (``jobs`` images at once); push to registry ``push`` (plain HTTP) if given."""
    recipes = find(list(names))
    image_cache = ImageCache(cache_root(cache))
    tars = ensure_rootfs(recipes, image_cache, report, jobs)
    service = ImageService(root)
    results = []
    for recipe in recipes:
        rootfs, built = tars[recipe.ref]
        start = time.monotonic()
        imported = import_image(service, recipe, rootfs)
        result = ImageResult(recipe.ref, rootfs.tar, rootfs.tar_bytes, service.get(recipe.ref).size, built,
                             rootfs.build_seconds if built else 0.0, imported, time.monotonic() - start)
        if push:
            start = time.monotonic()
            target = push_target(recipe, push)
            service.push(recipe.ref, target, insecure=True)
            result = replace(result, pushed_as=target, push_seconds=time.monotonic() - start)
        results.append(result)
    return results


def _line(r: ImageResult) -> str:
    rootfs = f"rootfs {r.rootfs_seconds:6.1f} s built" if r.built else "rootfs   cached"
    imported = f"import {r.import_seconds:5.1f} s" if r.imported else f"import   skip ({r.import_seconds:.1f} s)"
    text = (f"{r.ref:32} {rootfs}  {imported}  size {r.image_bytes / 1e6:6.1f} MB "
            f"(layer {r.tar_bytes / 1e6:5.1f} MB zst)")
    if r.pushed_as:
        text += f"  push {r.push_seconds:4.1f} s -> {r.pushed_as}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="examples/images/build", description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="*", metavar="IMAGE",
                        help=f"short names or refs (default: all of {', '.join(r.name for r in RECIPES)})")
    parser.add_argument("--root", type=Path, default=None, help="dockyard store (default: $DOCKYARD_ROOT)")
    parser.add_argument("--push", metavar="HOST:PORT", help="also push to this registry over plain HTTP")
    parser.add_argument("--cache", type=Path, default=None,
                        help="rootfs cache (default: $DOCKYARD_IMAGE_CACHE or /var/cache/dockyard/images)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                        help=f"images built at once after the base (default {DEFAULT_JOBS}: the CPUs, at most 4)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("examples/images/build: needs root (mmdebstrap --mode=root, chroot, image import)", file=sys.stderr)
        return 1
    start = time.monotonic()
    try:
        results = ensure_images(args.root, args.images, cache=args.cache, push=args.push, jobs=args.jobs,
                                report=lambda msg: print(msg, flush=True))
    except (UnknownImageError, debian.ImageBuildError, ContainerRuntimeError) as exc:
        print(f"examples/images/build: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(_line(result))
    print(f"done in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
