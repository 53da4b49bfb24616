"""The public seam types a plain ``container run`` never builds: healthchecks, block I/O limits, volumes, health
read-back. Re-exported by ``runtime.types`` (and ``runtime``) on first use, so that path skips creating them (about
1 ms per dataclass at import)."""

from __future__ import annotations

from runtime.records import record

Labels = tuple[tuple[str, str], ...]
DeviceRule = tuple[tuple[str, int], ...]  # (device path on the host, value) per device


@record
class HealthcheckSpec:
    """Docker's healthcheck; ``test`` is ("CMD", ...), ("CMD-SHELL", cmd) or ("NONE",)."""

    test: tuple[str, ...]
    interval: float = 30.0
    timeout: float = 30.0
    retries: int = 3
    start_period: float = 0.0
    start_interval: float = 5.0


@record
class BlkioSpec:
    """Block I/O controls (compose ``blkio_config``): rates in bytes/s or ops/s. A weight the kernel cannot apply
    (no BFQ/CFQ) is skipped with a warning, as Docker does; throttles are always applied."""

    weight: int | None = None
    weight_device: DeviceRule = ()
    read_bps: DeviceRule = ()
    write_bps: DeviceRule = ()
    read_iops: DeviceRule = ()
    write_iops: DeviceRule = ()


@record
class VolumeSpec:
    name: str
    driver: str = "local"
    labels: Labels = ()
    driver_opts: tuple[tuple[str, str], ...] = ()


@record
class VolumeInfo:
    name: str
    mountpoint: str
    driver: str
    labels: Labels
    created: str


@record
class HealthInfo:
    status: str  # starting, healthy, unhealthy
    failing_streak: int = 0
    log: tuple[dict, ...] = ()

__all__ = ["BlkioSpec", "DeviceRule", "HealthInfo", "HealthcheckSpec", "VolumeInfo", "VolumeSpec"]
