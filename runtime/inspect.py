"""Read-only views of containers: the record refreshed from its monitor's state, the ``docker inspect``-like
document, logs (merged, followed), ``top``.

Kept light (``ps`` imports it): the log reader, threads and queues are loaded by the log functions that use them.
"""

from __future__ import annotations

import os
from typing import Iterator

from runtime import containers as cs
from runtime.types import LogLine


def refresh(store: cs.ContainerStore, cid: str, watched: set[str] | None = None) -> dict:
    """The record with what the monitor observed merged in (status, pid, exit code, restarts, health).

    ``watched``: monitor directories already known to have a live monitor in this listing (filled in here), so a
    listing checks (and if need be starts) each project's monitor once, not once per container."""
    rec = store.read(cid)
    if rec.get("attached"):
        return _refresh_attached(rec)
    if not rec.get("monitor_dir"):
        return rec
    st = _observed(rec["monitor_dir"], cid, watched)
    if rec["state"] == cs.CREATED and (st is None or st.get("status") not in (cs.RUNNING, cs.RESTARTING)):
        return rec  # never ran, or its start failed (Docker keeps such a container "created")
    if st is None:
        if cs.is_active(rec["state"]):
            rec.update(state=cs.EXITED, exit_code=rec.get("exit_code"), error="its monitor state is gone")
        return rec
    state = st.get("status") or cs.EXITED
    if state == cs.RUNNING and rec.get("paused"):
        state = cs.PAUSED
    rec.update(state=state if state in cs.STATES else cs.EXITED, pid=st.get("pid"), pid_start=st.get("pid_start"),
               exit_code=st.get("exit_code"), oom_killed=bool(st.get("oom_killed")),
               started_at=st.get("started_at") or rec.get("started_at"),
               finished_at=st.get("finished_at"), restart_count=st.get("restart_count", 0),
               error=st.get("error") or None, health=cs.health_of(st.get("health")))
    return rec


def _observed(directory: str, cid: str, watched: set[str] | None) -> dict | None:
    from runtime import supervision
    from runtime.supervise import job
    from runtime.supervise.holder import monitor_pid

    if watched is not None and directory in watched:
        return job.read_state(directory, cid)
    st = supervision.observed(directory, cid)
    if watched is not None and st and st.get("status") in (cs.RUNNING, cs.RESTARTING) and monitor_pid(directory):
        watched.add(directory)
    return st


def _refresh_attached(rec: dict) -> dict:
    """A foreground run: its caller records the exit; if the caller died, the container is reported exited."""
    if not cs.is_active(rec["state"]) or cs.pid_alive(rec.get("holder_pid"), rec.get("holder_start")):
        return rec
    if cs.pid_alive(rec.get("pid"), rec.get("pid_start")):
        return rec
    rec.update(state=cs.EXITED, exit_code=rec.get("exit_code") if rec.get("exit_code") is not None else 255,
               error="the process running it in the foreground died")
    return rec


def inspect_document(rec: dict, store: cs.ContainerStore) -> dict:
    """Docker's field names for what dockyard records."""
    spec = rec.get("spec") or {}
    health = rec.get("health")
    state = rec["state"]
    return {
        "Id": rec["id"], "Name": "/" + rec["name"], "Created": rec["created"],
        "Path": (rec.get("command") or [""])[0], "Args": list((rec.get("command") or [])[1:]),
        "State": {
            "Status": state, "Running": state in (cs.RUNNING, cs.PAUSED, cs.RESTARTING), "Paused": state == cs.PAUSED,
            "Restarting": state == cs.RESTARTING, "OOMKilled": rec.get("oom_killed", False), "Dead": state == cs.DEAD,
            "Pid": rec.get("pid") or 0 if cs.is_active(state) else 0, "ExitCode": rec.get("exit_code") or 0,
            "Error": rec.get("error") or "", "StartedAt": rec.get("started_at") or "",
            "FinishedAt": rec.get("finished_at") or "",
            **({"Health": {"Status": health["status"], "FailingStreak": health.get("failing_streak", 0),
                           "Log": list(health.get("log", ()))}} if health else {}),
        },
        "Image": rec["image_id"], "RestartCount": rec.get("restart_count", 0),
        "LogPath": str(store.log_path(rec["id"])),
        "Config": {
            "Hostname": rec.get("hostname") or "", "Image": rec["image"], "Labels": rec.get("labels", {}),
            "Env": [f"{k}={v}" for k, v in spec.get("environment", ())], "Cmd": spec.get("command"),
            "Entrypoint": spec.get("entrypoint"), "WorkingDir": spec.get("working_dir") or "",
            "User": spec.get("user") or "", "StopSignal": spec.get("stop_signal"), "Tty": spec.get("tty", False),
            "Healthcheck": rec.get("healthcheck"),
        },
        "HostConfig": {
            "RestartPolicy": {"Name": rec.get("restart", {}).get("policy", "no"),
                              "MaximumRetryCount": rec.get("restart", {}).get("max_attempts", 0)},
            "NetworkMode": spec.get("network_mode", "bridge"), "Privileged": spec.get("privileged", False),
            "ReadonlyRootfs": spec.get("read_only", False), "LogConfig": rec.get("log"),
        },
        "Mounts": [_mount(m, rec) for m in spec.get("mounts", ())],
        "NetworkSettings": {
            "Networks": {ep["network"]: {"IPAddress": ep["ip"], "MacAddress": ep["mac"], "Gateway": ep["gateway"],
                                         "Aliases": ep.get("aliases", [])} for ep in rec.get("endpoints", ())},
            "Ports": _ports(rec.get("ports", ())),
        },
    }


def _mount(m: dict, rec: dict) -> dict:
    return {"Type": m["kind"], "Source": m.get("source") or "", "Destination": m["target"], "RW": not m["read_only"],
            "Propagation": m.get("propagation", "")}


def _ports(ports: list[dict]) -> dict:
    out: dict[str, list[dict]] = {}
    for p in ports:
        out.setdefault(f"{p['container_port']}/{p['protocol']}", []).append(
            {"HostIp": p["host_ip"], "HostPort": str(p["host_port"])})
    return out


def container_logs(life, cids: list[str], *, follow: bool, tail: int | None, since: object, until: object,  # noqa: ANN001
                   stop: object) -> Iterator[LogLine]:
    """Entries of one or more containers (``LogLine.container`` is the id) in time order; with ``follow``, new
    ones until every container stopped (or ``stop`` — an Event-like object or a callable — says so)."""
    from runtime.supervise import logread

    if not follow:
        streams = {cid: logread.read_logs(life.store.log_path(cid), tail=tail, since=since, until=until)
                   for cid in cids}
        for cid, entry in logread.merge_logs(streams):
            yield LogLine(cid, entry.time, entry.stream, entry.log)
        return
    hi = logread.as_time(until)  # type: ignore[arg-type]
    lines = _follow_all(life, cids, tail, since, stop)
    for cid, entry in lines:
        if hi is None or entry.time < hi:
            yield LogLine(cid, entry.time, entry.stream, entry.log)


def _stopped(stop: object) -> bool:
    if stop is None:
        return False
    if hasattr(stop, "is_set"):
        return bool(stop.is_set())  # type: ignore[attr-defined]
    return bool(stop())  # type: ignore[operator]


def _follow_all(life, cids: list[str], tail, since, stop) -> Iterator[tuple[str, object]]:  # noqa: ANN001
    import queue
    import threading

    from runtime.supervise import logread

    def alive(cid: str) -> bool:
        if _stopped(stop):
            return False
        try:
            return cs.is_active(life.refresh(cid)["state"])
        except cs.ContainerNotFoundError:
            return False

    if len(cids) == 1:
        cid = cids[0]
        for entry in logread.follow_logs(life.store.log_path(cid), lambda: alive(cid), tail=tail, since=since):
            yield cid, entry
        return
    out: queue.Queue = queue.Queue(maxsize=4096)
    done = object()

    def pump(cid: str) -> None:
        try:
            for entry in logread.follow_logs(life.store.log_path(cid), lambda: alive(cid), tail=tail, since=since):
                out.put((cid, entry))
        finally:
            out.put(done)

    for cid in cids:
        threading.Thread(target=pump, args=(cid,), daemon=True, name=f"logs-{cid[:12]}").start()
    left = len(cids)
    while left:
        item = out.get()
        if item is done:
            left -= 1
        else:
            yield item


def top(rec: dict) -> list[dict]:
    """The container's processes as ``docker top`` lists them: UID, PID, PPID (host view), CMD; all strings."""
    pid = rec.get("pid")
    if not cs.is_active(rec["state"]) or not cs.pid_alive(pid, rec.get("pid_start")):
        return []
    try:
        target = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return []
    out = [row for row in (_process(int(e), target) for e in os.listdir("/proc") if e.isdigit()) if row]
    return sorted(out, key=lambda p: int(p["PID"]))


def _process(pid: int, pidns: str) -> dict | None:
    try:
        if os.readlink(f"/proc/{pid}/ns/pid") != pidns:
            return None
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/stat", "rb") as fh:
            ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        uid = os.stat(f"/proc/{pid}").st_uid
    except (OSError, ValueError, IndexError):
        return None
    return {"UID": _user_name(uid), "PID": str(pid), "PPID": str(ppid), "CMD": cmd}


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
