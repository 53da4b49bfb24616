"""The control lock survives its directory being tidied away by the holder before us (the CI race of session 1:
a parallel `rm` of a project's containers hit a lock file unlinked between makedirs and open)."""

import fcntl
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from runtime.supervise.job import CONTROL_LOCK, control_lock
from runtime.supervise.monitor import tidy


def _locked_elsewhere(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_waiter_takes_the_lock_at_the_path_after_the_holder_tidied_the_directory(tmp_path):
    d = str(tmp_path / "monitors" / "proj")
    first = control_lock(d)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(control_lock(d)))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # blocked on the first holder
    assert tidy(d) is True  # the holder removes the directory, lock file included
    os.close(first)
    waiter.join(10)
    assert got, "the waiter never got the lock"
    path = os.path.join(d, CONTROL_LOCK)
    held, now = os.fstat(got[0]), os.stat(path)
    assert (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)
    assert _locked_elsewhere(path)
    os.close(got[0])


def test_many_threads_locking_and_tidying_never_fail_and_never_share_the_lock(tmp_path):
    d = str(tmp_path / "monitors" / "proj")
    inside = 0
    overlap = []
    guard = threading.Lock()

    def one(_: int) -> None:
        nonlocal inside
        fd = control_lock(d)
        try:
            with guard:
                inside += 1
                overlap.append(inside)
            time.sleep(0.0005)  # widen the window another holder would have to be inside
            with guard:
                inside -= 1
            tidy(d)  # the holder's last act: its lock file goes with the directory
        finally:
            os.close(fd)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(400)))
    assert max(overlap) == 1
