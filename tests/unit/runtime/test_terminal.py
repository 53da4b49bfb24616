"""Relaying a container's pty to the caller: output out, input in, the caller's terminal raw only meanwhile."""

from __future__ import annotations

import os
import subprocess
import termios

import pytest

from runtime import terminal


@pytest.fixture
def pty():
    master, slave = os.openpty()
    yield master, slave
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.fixture
def running():
    fd = os.pidfd_open(os.getpid())  # a process that does not exit during the test: its pidfd never turns readable
    yield fd
    os.close(fd)


def test_output_goes_to_stdout_and_the_log_until_the_pty_hangs_up(pty, running):
    master, slave = pty
    out_r, out_w = os.pipe()
    os.write(slave, b"hello\n")
    os.close(slave)  # the container's last slave closes: EIO on the master ends the relay
    logged: list[bytes] = []
    terminal.relay(master, running, stdin=None, stdout=out_w, on_output=logged.append)
    os.close(out_w)
    assert os.read(out_r, 100) == b"hello\r\n" and b"".join(logged) == b"hello\r\n"


def test_input_reaches_the_pty_and_eof_becomes_a_typed_ctrl_d(pty):
    master, slave = pty
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(in_w, b"typed\n")
    os.close(in_w)
    child = subprocess.Popen(["sh", "-c", "read line; echo got:$line; cat; echo eof"], stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
    os.close(slave)
    pidfd = os.pidfd_open(child.pid)
    try:
        terminal.relay(master, pidfd, stdin=in_r, stdout=out_w)
    finally:
        os.close(pidfd)
    assert child.wait(10) == 0
    os.close(out_w)
    seen = os.read(out_r, 4096).replace(b"\r", b"")
    assert b"got:typed\n" in seen and seen.endswith(b"eof\n")


def test_the_callers_terminal_is_raw_only_while_relaying(pty):
    caller = pty[1]
    before = termios.tcgetattr(caller)
    with terminal.raw_mode(caller):
        assert not termios.tcgetattr(caller)[3] & termios.ICANON
    assert termios.tcgetattr(caller) == before


def test_the_pty_gets_the_callers_window_size(pty):
    import fcntl
    import struct

    caller = pty[1]
    inner_master, inner = os.openpty()
    try:
        fcntl.ioctl(caller, termios.TIOCSWINSZ, struct.pack("HHHH", 42, 132, 0, 0))
        terminal.copy_window_size(caller, inner_master)
        assert struct.unpack("HHHH", fcntl.ioctl(inner, termios.TIOCGWINSZ, b"\0" * 8))[:2] == (42, 132)
    finally:
        os.close(inner_master)
        os.close(inner)
