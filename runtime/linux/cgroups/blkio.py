"""Block I/O controls for both cgroup versions: devices named by host path become ``MAJ:MIN`` rules.

Weights need a proportional I/O scheduler (BFQ/CFQ on v1, io.weight on v2); where the kernel has no weight file
the weight is skipped and a warning returned, as Docker does. Throttles are always applied.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from runtime.errors import KernelError
from runtime.linux.cgroups.base import write
from runtime.spec import Blkio

V1_THROTTLE = (("read_bps", "blkio.throttle.read_bps_device"), ("write_bps", "blkio.throttle.write_bps_device"),
               ("read_iops", "blkio.throttle.read_iops_device"), ("write_iops", "blkio.throttle.write_iops_device"))
V2_KEYS = (("read_bps", "rbps"), ("write_bps", "wbps"), ("read_iops", "riops"), ("write_iops", "wiops"))


def device_number(path: str) -> str:
    """``MAJ:MIN`` of the block device at ``path``."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise KernelError("resolve blkio device", exc.errno or errno.ENOENT, path,
                          detail="blkio_config names a device path that does not exist on the host") from exc
    if not stat.S_ISBLK(st.st_mode):
        raise KernelError("resolve blkio device", errno.ENOTBLK, path,
                          detail="blkio_config device paths must be block devices, e.g. /dev/sda")
    return f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"


def _weight_file(directory: Path, names: tuple[str, ...]) -> Path | None:
    return next((directory / n for n in names if (directory / n).exists()), None)


def apply_v1(directory: Path, b: Blkio) -> list[str]:
    """Write ``b`` into a v1 blkio cgroup directory; returns warnings for weights the kernel cannot apply."""
    warnings: list[str] = []
    if b.weight is not None:
        target = _weight_file(directory, ("blkio.weight", "blkio.bfq.weight"))
        if target is None:
            warnings.append(_no_weight("blkio.weight"))
        else:
            write(target, str(b.weight))
    if b.weight_device:
        target = _weight_file(directory, ("blkio.weight_device", "blkio.bfq.weight_device"))
        if target is None:
            warnings.append(_no_weight("blkio.weight_device"))
        else:
            write(target, *(f"{device_number(p)} {v}" for p, v in b.weight_device))
    for field, name in V1_THROTTLE:
        rules = getattr(b, field)
        if rules:
            write(directory / name, *(f"{device_number(p)} {v}" for p, v in rules))
    return warnings


def apply_v2(directory: Path, b: Blkio) -> list[str]:
    """Write ``b`` into a v2 cgroup (io.weight, io.max); returns warnings for weights the kernel cannot apply."""
    warnings: list[str] = []
    if b.weight is not None or b.weight_device:
        target = _weight_file(directory, ("io.weight", "io.bfq.weight"))
        if target is None:
            warnings.append(_no_weight("io.weight"))
        else:
            lines = ([f"default {b.weight}"] if b.weight is not None else [])
            write(target, *lines, *(f"{device_number(p)} {v}" for p, v in b.weight_device))
    limits: dict[str, list[str]] = {}
    for field, key in V2_KEYS:
        for path, value in getattr(b, field):
            limits.setdefault(device_number(path), []).append(f"{key}={value}")
    if limits:
        write(directory / "io.max", *(f"{dev} {' '.join(kv)}" for dev, kv in limits.items()))
    return warnings


def weight_warnings_v1(directory: Path, b: Blkio) -> list[str]:
    """What ``apply_v1`` would warn about for ``b`` in a cgroup under ``directory`` (its hierarchy's root will do:
    the weight files are the scheduler's, the same in every cgroup). Writes nothing."""
    out = []
    if b.weight is not None and _weight_file(directory, ("blkio.weight", "blkio.bfq.weight")) is None:
        out.append(_no_weight("blkio.weight"))
    if b.weight_device and _weight_file(directory, ("blkio.weight_device", "blkio.bfq.weight_device")) is None:
        out.append(_no_weight("blkio.weight_device"))
    return out


def weight_warnings_v2(directory: Path, b: Blkio) -> list[str]:
    """What ``apply_v2`` would warn about for ``b`` in a cgroup beside ``directory`` (a non-root cgroup with the
    io controller: the root cgroup never has io.weight). Writes nothing."""
    if (b.weight is not None or b.weight_device) and _weight_file(directory, ("io.weight", "io.bfq.weight")) is None:
        return [_no_weight("io.weight")]
    return []


def _no_weight(name: str) -> str:
    return (f"blkio_config: the kernel has no {name} (no proportional I/O scheduler such as BFQ active); "
            "the weight is ignored, throttles still apply")
