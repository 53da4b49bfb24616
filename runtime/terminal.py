"""The caller's side of a pty: relay a container's pty master to the caller's terminal (raw mode, window size).

Used by ``exec`` with a tty and by a foreground ``run`` of a ``tty`` container. The master comes from the
container's own devpts (the slave is the process's controlling terminal and stdio, /dev/pts/N inside).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import signal
import termios
import tty
from collections.abc import Callable, Iterator

READ = 65536


@contextlib.contextmanager
def raw_mode(fd: int | None) -> Iterator[None]:
    """The caller's terminal in raw mode for the duration (keys go to the container's line discipline, which
    makes Ctrl-C a SIGINT there); restored afterwards. A no-op when ``fd`` is not a terminal."""
    if fd is None or not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def copy_window_size(source: int, master: int) -> None:
    """The pty gets the caller's window size (rows, columns); nothing happens if ``source`` is no terminal."""
    try:
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    except OSError:
        pass


@contextlib.contextmanager
def follow_window_size(source: int, master: int) -> Iterator[None]:
    """Copy the window size now and on every SIGWINCH (only possible from the main thread)."""
    copy_window_size(source, master)
    try:
        previous = signal.signal(signal.SIGWINCH, lambda _s, _f: copy_window_size(source, master))
    except ValueError:  # not the main thread: the size is copied once
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


def relay(master: int, exited: int, *, stdin: int | None, stdout: int = 1,
          on_output: Callable[[bytes], None] = lambda _data: None) -> None:
    """Copy the master's output to ``stdout`` (and ``on_output``) and ``stdin`` (if given) to the master, until the
    pty hangs up (EIO once every slave is closed) or ``exited`` (a pidfd) turns readable and no output is left."""
    sources = [master, exited] + ([stdin] if stdin is not None else [])
    with raw_mode(stdin), follow_window_size(stdin if stdin is not None else stdout, master):
        while True:
            try:
                ready = select.select(sources, [], [])[0]
            except InterruptedError:
                continue
            if master in ready and not _pass_output(master, stdout, on_output):
                return
            if stdin is not None and stdin in ready and not _pass_input(stdin, master):
                sources.remove(stdin)
                stdin = None
            if exited in ready:
                while select.select([master], [], [], 0)[0] and _pass_output(master, stdout, on_output):
                    pass
                return


def _pass_output(master: int, stdout: int, on_output: Callable[[bytes], None]) -> bool:
    try:
        data = os.read(master, READ)
    except OSError as exc:
        if exc.errno == errno.EIO:  # the last slave closed
            return False
        raise
    if not data:
        return False
    write_all(stdout, data)
    on_output(data)
    return True


def _pass_input(stdin: int, master: int) -> bool:
    """One chunk of the caller's input to the pty; at EOF the pty gets a typed Ctrl-D (EOF to a canonical reader)."""
    data = os.read(stdin, READ)
    if not data:
        with contextlib.suppress(OSError):
            os.write(master, b"\x04")
        return False
    write_all(master, data)
    return True


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BrokenPipeError:
            return  # the reader went away
