"""Reading a whole (small) file in as few system calls as Python allows: open, read, close.

``Path.read_text`` makes nine and ``open()`` adds fstat, ioctl and lseek; in a command with many threads (``down``)
every call is a trip through the GIL. Only ``os``: the monitor's lean process reads its job files and /proc with it.
"""

from __future__ import annotations

import os


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, 65536)
        if len(data) < 65536:  # a short read of a regular file (or of a /proc file) is the end of it
            return data
        chunks = [data]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
