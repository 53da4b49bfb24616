"""Unpacking a stored image's layers (and reading its config): what running an image that is already in the store
needs, without the pull/push code (``runtime.images.transfer``) or a thread pool unless one is passed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from runtime.errors import ImageError
from runtime.images.store import ContentStore, chain_ids

if TYPE_CHECKING:  # the pool (and the logging it pulls) loads only for a pull, a push or a parallel unpack
    from concurrent.futures import ThreadPoolExecutor

    from runtime.images.platform import Manifest

__all__ = ["image_config_of", "run_all", "unpack_all"]


def image_config_of(store: ContentStore, manifest: Manifest) -> dict:
    try:
        config = json.loads(store.read_blob(manifest.config.digest))
        diff_ids = list(config["rootfs"]["diff_ids"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ImageError(f"image config {manifest.config.digest}: not a valid config (rootfs.diff_ids)") from exc
    if len(diff_ids) != len(manifest.layers):
        raise ImageError(f"image config {manifest.config.digest}: {len(diff_ids)} diff_ids for "
                         f"{len(manifest.layers)} layers")
    return config


def unpack_all(store: ContentStore, manifest: Manifest, config: dict, pool: ThreadPoolExecutor | None = None,
               on_layer: Callable[[int], None] | None = None) -> tuple[str, ...]:
    """Make sure every layer of an image is unpacked; returns the chain ids lowest first."""
    diff_ids = list(config["rootfs"]["diff_ids"])
    chains = chain_ids(diff_ids)

    def one(i: int) -> None:
        store.ensure_layer(chains[i], manifest.layers[i].digest, manifest.layers[i].media_type, diff_ids[i])
        if on_layer:
            on_layer(i)
    run_all(pool, one, range(len(chains)))
    return tuple(chains)


def run_all(pool: ThreadPoolExecutor | None, fn: Callable[[int], None], items: range) -> None:
    if pool is None:
        for i in items:
            fn(i)
        return
    from concurrent.futures import FIRST_EXCEPTION, wait

    futures = [pool.submit(fn, i) for i in items]
    done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for fut in pending:
        fut.cancel()
    wait(futures)
    for fut in futures:
        if fut.done() and not fut.cancelled() and fut.exception():
            raise fut.exception()  # type: ignore[misc]
