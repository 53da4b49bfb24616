"""Container verbs behind the facade: create, start, stop, kill, pause, remove, wait, run, exec.

The process of a detached container is owned by its project's monitor (``runtime.supervise.monitor``, driven through
``runtime.supervision``); this module keeps the container records, sets up what surrounds the process (volumes, netns,
/etc files), merges what the monitor observed into the record, and signals only pids it verified.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from runtime import containers as cs
from runtime import inspect, provision, supervision
from runtime.errors import (
    ContainerError,
    ContainerRuntimeError,
    ImageNotFoundError,
    StateError,
)
from runtime.types import ContainerInfo, ContainerSpec
from runtime.volumes import VolumeService

if TYPE_CHECKING:
    from runtime.images.service import ImageService
    from runtime.network.service import NetworkService

KILL_WAIT = 10.0
EXIT_POLL, EXIT_FAST_FOR = 0.005, 0.5  # look at the monitor's record this often, this long, once the pid is gone


class Lifecycle:
    def __init__(self, store: cs.ContainerStore, root: Path, run: Path, net: Callable[[], NetworkService],
                 volumes: VolumeService, images: Callable[[], ImageService]) -> None:
        self.store, self.root, self.run_dir = store, root, run
        self._net, self.volumes, self._images = net, volumes, images
        self._released: dict[str, str | None] = {}  # cid -> start time of the run whose teardown this process did

    @property
    def net(self) -> NetworkService:
        return self._net()

    # -- create ------------------------------------------------------------------------------------------------
    def create(self, spec: ContainerSpec, durable: bool = True) -> ContainerInfo:
        """``durable=False``: the caller removes the container again itself (see ``ContainerStore.add``)."""
        # launchspec (and runtime.spec) are loaded by the verbs that use them: stop and remove (``down``) do not
        from runtime import launchspec

        images = self._images()
        if not images.has(spec.image):
            raise ImageNotFoundError(f"create container {spec.name}: image {spec.image} is not present; pull it first")
        image_id = images.resolve(spec.image)
        config = images.image_config(image_id).get("config") or {}
        layers = [str(p) for p in images.rootfs_layers(image_id)]
        launchspec.check_policies(spec)
        warnings = launchspec.host_warnings(spec)
        cid = cs.new_id()
        rec = cs.new_record(cid, spec.name or f"dy_{cid[:12]}", spec.image, image_id, spec.label_dict())
        rec.update(command=list(launchspec.command_of(spec, config)), spec=launchspec.recorded(spec),
                   restart=dataclasses.asdict(spec.restart), log=launchspec.log_config(spec),
                   healthcheck=launchspec.plain(launchspec.healthcheck_of(spec, config)),
                   monitor_dir=supervision.monitor_dir(self.run_dir, spec.label_dict()),
                   creating=cs.creator_mark())  # until provisioned: a killed create leaves litter, not a container
        if warnings:
            rec["warnings"] = warnings
        self.store.add(rec, durable=durable)
        try:
            self._provision(spec, rec, config, layers)
        except BaseException:
            self.store.delete(cid, rec["name"])
            raise
        return cs.to_info(self.store.read(cid))

    def _provision(self, spec: ContainerSpec, rec: dict, config: dict, layers: list[str]) -> None:
        from runtime import launchspec

        cid, cdir = rec["id"], self.store.cdir(rec["id"])
        mounts, used, anonymous = provision.resolve_mounts(
            spec, launchspec.image_volume_targets(spec, config), self.volumes, layers, cdir / "volinit")
        if anonymous:  # named in the record at once: if this process is killed, whoever removes the litter frees them
            self.store.update(cid, lambda r: r.update(anonymous_volumes=anonymous), durable=False)
        try:
            mounts, used = provision.inherit_mounts(self.store, spec, mounts, used)  # volumes_from
            mounts = [*mounts, *provision.write_files(spec, cdir)]
            netns = self._netns_for(spec, cid)
            launch = launchspec.build(spec, cid, str(cdir), config, layers, mounts, netns)
            (cdir / "launch.json").write_text(json.dumps(launchspec.to_json(launch)))
            self.store.update(cid, lambda r: r.update(volumes=used, anonymous_volumes=anonymous, netns=netns,
                                                      hostname=launch.hostname, creating=None))
        except BaseException:
            for name in anonymous:
                self.volumes.remove(name, missing_ok=True, force=True)
            raise

    def _netns_for(self, spec: ContainerSpec, cid: str) -> str | None:
        mode = spec.network_mode
        if mode == "host":
            return None
        if mode.startswith("container:"):
            peer = self.store.read(self.store.resolve(mode.split(":", 1)[1]))
            if not peer.get("netns"):
                raise ContainerError(f"create container {spec.name}: {mode} has no network namespace of its own")
            return peer["netns"]
        if mode == "none":
            return None
        if mode != "bridge" and not spec.networks:
            raise ContainerError(f"create container {spec.name}: network_mode {mode!r} is not supported; use bridge, "
                                 "host, none or container:<name>")
        return str(provision.netns_of(self.run_dir, cid))

    # -- start -------------------------------------------------------------------------------------------------
    def start(self, ref: str) -> ContainerInfo:
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if cs.is_active(rec["state"]):
            return cs.to_info(rec)
        if not cs.can_start(rec["state"]):
            raise StateError(f"start container {rec['name']}: it is {rec['state']}")
        if cs.abandoned(rec):
            raise StateError(f"start container {rec['name']}: its create was killed before it finished; remove it "
                             f"(`dockyard rm {rec['name']}`) and create it again")
        if rec.get("monitor_dir") and not rec.get("attached"):
            supervision.settle(rec["monitor_dir"], cid)  # a start by a killed command may still be in flight
            rec = self.refresh(cid)
            if cs.is_active(rec["state"]):
                return cs.to_info(rec)
        self._prepare_start(rec)
        launch = self._launch_spec(cid)
        job = supervision.job_of(rec, self.store.cdir(cid), self.store.log_path(cid), launch.stop_signal,
                                 launch.stop_grace_period)
        try:
            supervision.start(rec["monitor_dir"], cid, job)
        except BaseException as exc:
            self._teardown(self.store.read(cid))
            reason = str(exc)
            self.store.update(cid, lambda r: r.update(error=reason))
            raise
        self.store.update(cid, lambda r: r.update(state=cs.RUNNING, paused=False, attached=False))
        return cs.to_info(self.refresh(cid))

    def _prepare_start(self, rec: dict) -> None:
        """Network attachments (afresh) and the /etc files of the container dir."""
        from runtime import launchspec

        cid, cdir = rec["id"], self.store.cdir(rec["id"])
        if rec.get("endpoints") or rec.get("ports"):  # left by a run that ended by itself: attach afresh
            self._teardown(rec)
        spec = launchspec.spec_of_record(rec)
        endpoints, ports = [], []
        if spec.network_mode.startswith("container:"):
            peer = provision.peer_running(self.store, spec.network_mode.split(":", 1)[1], f"start {rec['name']}")
            provision.copy_peer_files(self.store.cdir(peer["id"]), cdir)
        elif rec.get("netns") and spec.network_mode not in ("none", "host"):
            endpoints, ports = provision.attach(self.net, rec, spec, Path(rec["netns"]))
        if not spec.network_mode.startswith("container:"):
            rec = {**rec, "endpoints": endpoints}
            provision.write_etc_files(self.net, rec, spec, cdir, rec.get("hostname") or cid[:12])
        self._join_peers(spec, cdir)
        self.store.update(cid, lambda r: r.update(endpoints=endpoints, ports=ports, error=None), durable=False)

    def _join_peers(self, spec: ContainerSpec, cdir: Path) -> None:
        """``ipc: container:X`` / ``pid: container:X`` join X's namespace (by its pid, checked to be running)."""
        joins = {kind: value.split(":", 1)[1] for kind, value in (("ipc", spec.ipc), ("pid", spec.pid))
                 if (value or "").startswith("container:")}
        if not joins:
            return
        data = json.loads((cdir / "launch.json").read_text())
        for ns in data["namespaces"]:
            if ns["kind"] in joins:
                peer = self._running_peer(joins[ns["kind"]], f"start {spec.name}: {ns['kind']}")
                ns.update(path=f"/proc/{peer['pid']}/ns/{ns['kind']}", host=False)
        (cdir / "launch.json").write_text(json.dumps(data))

    def _running_peer(self, ref: str, what: str) -> dict:
        """Another container's record as its monitor sees it; it must be running (its pid verified)."""
        rec = self.refresh(self.store.resolve(ref))
        if rec["state"] != cs.RUNNING or not cs.pid_alive(rec.get("pid"), rec.get("pid_start")):
            raise ContainerError(f"{what}: container {rec['name']} is not running; start it first")
        return rec

    def _teardown(self, rec: dict, **fields: object) -> None:
        """Release what start set up (endpoints, ports, the pinned netns) and the last run's cgroup; the record
        is updated (with ``fields`` too) only if that changes it."""
        if rec.get("netns") and rec["netns"] == str(provision.netns_of(self.run_dir, rec["id"])):
            provision.detach(self.net, rec["id"], Path(rec["netns"]))
        with contextlib.suppress(OSError, ContainerRuntimeError):
            cgroup = cs.cgroups().open(rec["id"])
            if cgroup.exists():  # mostly removed already by the monitor's starter when the run ended
                cgroup.remove()
        if rec.get("endpoints") or rec.get("ports") or any(rec.get(k) != v for k, v in fields.items()):
            self.store.update(rec["id"], lambda r: r.update(endpoints=[], ports=[], **fields), durable=False)

    # -- state reads -------------------------------------------------------------------------------------------
    def refresh(self, cid: str) -> dict:
        """The record with what the monitor observed merged in (status, pid, exit code, restarts, health)."""
        return inspect.refresh(self.store, cid)

    def with_fs(self, ref: str, fn: Callable[[Path], object]) -> object:
        """``fn(root)``, ``root`` the container's filesystem: /proc/<pid>/root while it runs; stopped or never
        started, mounted for the call in a forked process of its own (``runtime.rootfs.offline``)."""
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if cs.is_active(rec["state"]) and cs.pid_alive(rec.get("pid"), rec.get("pid_start")):
            return fn(Path(f"/proc/{rec['pid']}/root"))
        from runtime.rootfs import offline

        return offline.with_rootfs(self._launch_spec(cid), fn)

    def _launch_spec(self, cid: str):
        from runtime import launchspec

        return launchspec.from_json(json.loads((self.store.cdir(cid) / "launch.json").read_text()))

    # -- stop / kill / pause -----------------------------------------------------------------------------------
    def stop(self, ref: str, timeout: float | None = None) -> ContainerInfo:
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if cs.is_active(rec["state"]):
            launch = json.loads((self.store.cdir(cid) / "launch.json").read_text())  # two fields: no spec objects
            if rec["state"] == cs.PAUSED:
                self._freeze(cid, False)
            grace = float(launch["stop_grace_period"]) if timeout is None else timeout
            if rec.get("attached"):
                self._signal(rec, int(launch["stop_signal"]))
            else:
                supervision.stop(rec["monitor_dir"], cid, grace)
            ended = self._wait_inactive(cid, grace + KILL_WAIT)
            if ended is None:
                raise ContainerError(f"stop container {rec['name']}: still running {KILL_WAIT:.0f} s after "
                                     "SIGKILL (process in uninterruptible sleep?)")
            rec = ended
        self._teardown(self.store.read(cid), paused=False)
        self._released[cid] = rec.get("started_at")  # that run ended and what it used is released
        return cs.to_info(self.refresh(cid))

    def kill(self, ref: str, sig: int = signal.SIGKILL) -> None:
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if rec["state"] not in (cs.RUNNING, cs.PAUSED):
            raise StateError(f"kill container {rec['name']}: it is not running ({rec['state']})")
        if sig == signal.SIGKILL and rec.get("monitor_dir") and not rec.get("attached"):
            supervision.stop(rec["monitor_dir"], cid, 0)  # as Docker: a killed container counts as stopped by the
            # user and is not restarted (other signals, e.g. a reload on SIGHUP, leave the policy alone)
        self._signal(rec, sig)

    def _signal(self, rec: dict, sig: int) -> None:
        if rec["state"] in (cs.RUNNING, cs.PAUSED) and cs.pid_alive(rec.get("pid"), rec.get("pid_start")):
            with contextlib.suppress(ProcessLookupError):
                os.kill(rec["pid"], sig)

    def _wait_inactive(self, cid: str, timeout: float) -> dict | None:
        """The refreshed record once the container is no longer active; None after ``timeout``."""
        deadline = time.monotonic() + timeout
        fast_until = None  # once the process is gone its monitor records that in a moment: look more often
        while True:
            rec = self.refresh(cid)
            if not cs.is_active(rec["state"]):
                return rec
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                return None
            if cs.pid_alive(rec.get("pid"), rec.get("pid_start")):
                _wait_pid(rec.get("pid"), min(left, 0.05))
                continue
            fast_until = fast_until or now + EXIT_FAST_FOR
            time.sleep(min(left, EXIT_POLL if now < fast_until else 0.05))

    def pause(self, ref: str, on: bool) -> None:
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if on and not cs.can_pause(rec["state"]) or not on and not cs.can_unpause(rec["state"]):
            raise StateError(f"{'pause' if on else 'unpause'} container {rec['name']}: it is {rec['state']}")
        self._freeze(cid, on)
        self.store.update(cid, lambda r: r.update(paused=on))

    def _freeze(self, cid: str, on: bool) -> None:
        v2 = Path("/sys/fs/cgroup/dockyard") / cid / "cgroup.freeze"
        v1 = Path("/sys/fs/cgroup/freezer/dockyard") / cid / "freezer.state"
        try:
            if v2.exists():
                v2.write_text("1" if on else "0")
            else:
                v1.write_text("FROZEN" if on else "THAWED")
        except OSError as exc:
            raise ContainerError(f"{'pause' if on else 'unpause'} container {cid[:12]}: freezer: {exc.strerror}; "
                                 "this host has no usable freezer cgroup") from exc

    # -- remove / wait -----------------------------------------------------------------------------------------
    def remove(self, ref: str, force: bool = False, volumes: bool = False) -> None:
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if not cs.can_remove(rec["state"], force):
            raise StateError(f"remove container {rec['name']}: it is {rec['state']}; stop it first or use force")
        # A stop by this process released what the container's last run used; unless it ran again since, the
        # teardown below has nothing left to do (a killed command's half-done stop is not in this process's map).
        released = not cs.is_active(rec["state"]) and self._released.pop(cid, False) == rec.get("started_at")
        if cs.is_active(rec["state"]):
            if rec["state"] == cs.PAUSED:
                self._freeze(cid, False)
            if rec.get("monitor_dir") and not rec.get("attached"):
                supervision.stop(rec["monitor_dir"], cid, 0)
            self._signal(rec, signal.SIGKILL)
            self._wait_inactive(cid, KILL_WAIT)
        if rec.get("monitor_dir"):
            supervision.forget(rec["monitor_dir"], cid)
        rec = self.store.read(cid)
        if not released or rec.get("endpoints") or rec.get("ports"):
            self._teardown(rec)
        self.store.delete(cid, rec["name"])
        for name in rec.get("anonymous_volumes", ()) if volumes else ():
            with contextlib.suppress(ContainerRuntimeError):
                self.volumes.remove(name, missing_ok=True)

    def commit(self, ref: str, images: ImageService, reference: str | None, *, message: str, author: str,
               pause: bool, changes: tuple[str, ...] = ()) -> object:
        """``Runtime.commit_container``: the layer is read with the container frozen if it runs and ``pause``."""
        from runtime.build.commit import CommitRequest, commit

        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if rec.get("creating") or rec["state"] == cs.REMOVING:
            raise StateError(f"commit container {rec['name']}: it is being created or removed")
        upper = self.store.cdir(cid) / "upper"
        request = CommitRequest(upper if upper.is_dir() else None, rec["image_id"], rec.get("spec") or {},
                                tuple(rec.get("command") or ()), reference, message, author, changes)
        freeze = pause and rec["state"] == cs.RUNNING
        if freeze:
            self._freeze(cid, True)
        try:
            return commit(images, request)
        finally:
            if freeze:
                self._freeze(cid, False)

    def discard_abandoned(self, rec: dict) -> None:
        """Remove a record a killed ``create`` left half-made (``containers.abandoned``): nothing of it ever ran
        (its netns and cgroup were never made); what its provisioning had recorded is released."""
        self.store.delete(rec["id"], rec["name"])
        for name in rec.get("anonymous_volumes", ()):
            with contextlib.suppress(ContainerRuntimeError):
                self.volumes.remove(name, missing_ok=True, force=True)

    def reap_auto_removed(self, rec: dict) -> bool:
        """Remove a ``run -d --rm`` container found exited; True if it was removed."""
        if rec.get("auto_remove") and rec["state"] in (cs.EXITED, cs.DEAD):
            with contextlib.suppress(ContainerRuntimeError):
                self.remove(rec["id"], force=True, volumes=True)
                return True
        return False

    def wait(self, ref: str, timeout: float | None = None) -> int:
        cid = self.store.resolve(ref)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            rec = self.refresh(cid)
            if rec["state"] in (cs.EXITED, cs.DEAD):
                self.reap_auto_removed(rec)
                return int(rec["exit_code"] if rec["exit_code"] is not None else 255)
            if deadline is not None and time.monotonic() >= deadline:
                raise ContainerError(f"wait for container {rec['name']}: still {rec['state']} after {timeout} s")
            _wait_pid(rec.get("pid") if rec["state"] == cs.RUNNING else None, 0.05)

    # -- run / exec --------------------------------------------------------------------------------------------
    def run(self, spec: ContainerSpec, attach: bool, remove: bool, warn: Callable[[str], None] | None = None) -> int:
        from runtime import launchspec

        info = self.create(spec, durable=not (attach and remove))  # a foreground --rm run is gone after us
        for text in info.warnings if warn else ():
            warn(text)
        if not attach:
            if remove:  # removed by the first command that finds it exited (there is no daemon to do it)
                self.store.update(info.id, lambda r: r.update(auto_remove=True))
            self.start(info.id)
            return 0
        return self._foreground(info.id, launchspec.log_config(spec), spec.stdin_open, remove)

    def start_attached(self, ref: str, remove: bool) -> int:
        """Start a created container in the foreground, as ``run`` does its own: its output is this process's,
        stdin too if it was created with ``stdin_open``; returns its exit code. ``remove``: removed afterwards."""
        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if rec["state"] != cs.CREATED or cs.abandoned(rec):
            raise StateError(f"start container {rec['name']} in the foreground: it is {rec['state']}; only a container "
                             "that was just created can be")
        return self._foreground(cid, rec["log"], bool((rec.get("spec") or {}).get("stdin_open")), remove)

    def _foreground(self, cid: str, log: dict, stdin: bool, remove: bool) -> int:
        from runtime.attached import run_attached

        try:
            self._prepare_start(self.store.read(cid))
            self.store.update(cid, lambda r: r.update(attached=True), durable=False)
            return run_attached(self.store, cid, self._launch_spec(cid), log, stdin)
        finally:
            self._teardown(self.store.read(cid))
            if remove:
                self._released[cid] = self.refresh(cid).get("started_at")  # remove need not tear down again
                self.remove(cid, force=True, volumes=True)

    def exec(self, ref: str, argv: tuple[str, ...], user: str | None, workdir: str | None, env: tuple,
             tty: bool, interactive: bool) -> int:
        """``env``: ``KEY=VALUE`` strings or (key, value) pairs."""
        from runtime.attached import exec_in

        cid = self.store.resolve(ref)
        rec = self.refresh(cid)
        if rec["state"] != cs.RUNNING:
            raise StateError(f"exec in container {rec['name']}: it is {rec['state']}, not running")
        pairs = tuple(e if isinstance(e, str) else f"{e[0]}={e[1]}" for e in env)
        return exec_in(rec, self._launch_spec(cid), argv, user, workdir, pairs, tty, interactive)

    def stats(self, ref: str) -> dict:
        """Resource counters of a running container from its cgroup (zeros when it is not running)."""
        rec = self.refresh(self.store.resolve(ref))
        alive = cs.is_active(rec["state"]) and cs.pid_alive(rec.get("pid"), rec.get("pid_start"))
        from runtime.cgroupstats import cgroup_counters

        counters = cgroup_counters(rec["pid"]) if alive else {}
        return {"id": rec["id"], "name": rec["name"], "state": rec["state"], "read_ns": time.monotonic_ns(),
                "cpu_ns": 0, "memory_usage": 0, "memory_limit": None, "pids": 0, **counters}


def _wait_pid(pid: int | None, timeout: float) -> None:
    """Sleep up to ``timeout``, waking early when ``pid`` exits."""
    if pid:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                select.select([fd], [], [], timeout)
                return
            finally:
                os.close(fd)
    time.sleep(timeout)
