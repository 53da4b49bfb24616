"""The monitor's plumbing: each container's output pipes (kept alive by a holder), a tty container's pty master,
and pumping what they carry into the log writer. A mixin of ``Monitor`` (which owns ``poller`` and ``by_fd``).
"""

from __future__ import annotations

import os
import select

from runtime.supervise import console
from runtime.supervise.holder import await_exec, make_pipes, reclaim_all, spawn_holder
from runtime.supervise.unit import Unit

READ = 65536


class Streams:
    """Pipes, console and logs of the monitor's units (single-threaded: the loop's thread only)."""

    poller: select.poll
    by_fd: dict[int, tuple[Unit, str]]

    def _make_pipes(self, unit: Unit) -> None:
        unit.pipes = make_pipes()
        unit.holder_pid, unit.holder_slots = spawn_holder(unit.pipes, wait=False)  # confirmed before it is saved
        unit.holder_unconfirmed = True
        self._watch(unit)

    def _confirm_holder(self, unit: Unit) -> None:
        """The holder must show its name before its pid is recorded (a later monitor checks it by name)."""
        if unit.holder_unconfirmed and unit.holder_pid:
            unit.holder_unconfirmed = False
            try:
                await_exec(unit.holder_pid)
            except Exception:  # noqa: BLE001 - supervision goes on; only a later adoption would lose the pipes
                import traceback

                traceback.print_exc()

    def _watch(self, unit: Unit) -> None:
        for stream in ("stdout", "stderr"):
            fd = unit.pipes[f"{stream}_r"]
            self.by_fd[fd] = (unit, stream)
            self.poller.register(fd, select.POLLIN)

    def _hold_console(self, unit: Unit, master: int) -> None:
        """A tty container's pty master: read here (logged as stdout), a duplicate kept by a holder."""
        self._drop_console(unit)
        try:
            self._watch_console(unit, *console.hold(master))
        except Exception:  # noqa: BLE001 - without a holder the output is still read; only adoption would lose it
            self._watch_console(unit, master, None)

    def _watch_console(self, unit: Unit, master: int, holder: dict | None) -> None:
        unit.console, unit.console_holder = master, holder
        self.by_fd[master] = (unit, "stdout")
        self.poller.register(master, select.POLLIN)

    def _drop_console(self, unit: Unit) -> None:
        if unit.console is not None:
            self._unwatch(unit.console)
        console.drop(unit.console, unit.console_holder)
        unit.console, unit.console_holder = None, None

    def _unwatch(self, fd: int) -> None:
        if self.by_fd.pop(fd, None) is not None:
            self.poller.unregister(fd)

    def _reclaim_pipes(self, unit: Unit, old: dict) -> None:
        """Reopen the container's pipes from its holder (left by an earlier monitor), if the holder lives."""
        holder = old.get("holder") or {}
        fds = reclaim_all(holder.get("pid"), holder.get("slots") or {})
        if fds:
            unit.pipes, unit.holder_pid, unit.holder_slots = fds, holder["pid"], dict(holder["slots"])
            self._watch(unit)

    def _pump(self, unit: Unit, stream: str, fd: int) -> None:
        if fd == unit.console:
            data = console.read(fd)
            if data is None:  # hung up: every slave closed
                self._drop_console(unit)
            elif data:
                unit.writer.write(stream, data)
            return
        try:
            data = os.read(fd, READ)
        except BlockingIOError:
            return
        unit.writer.write(stream, data)

    def _drain(self, unit: Unit) -> None:
        for stream in ("stdout", "stderr"):
            fd = unit.pipes.get(f"{stream}_r")
            while fd is not None:
                try:
                    data = os.read(fd, READ)
                except BlockingIOError:
                    break
                if not data:
                    break
                unit.writer.write(stream, data)
        while unit.console is not None and (data := console.read(unit.console)):
            unit.writer.write("stdout", data)
        unit.writer.flush()
