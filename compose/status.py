"""How containers read in ``ps``/``ls``: Docker's status words, human durations, ports, and the JSON rows of
``docker compose ps --format json`` (plus RestartCount). Pure: ``now`` is passed in."""

from __future__ import annotations

from datetime import datetime, timezone

from compose import labels as L
from compose.observe import service_of
from runtime import ContainerInfo

ACTIVE = ("running", "paused", "restarting")


def parse_time(text: str | None) -> datetime | None:
    """RFC 3339 with up to nanoseconds (``2026-01-01T00:00:00.123456789Z``) -> aware datetime."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    head, dot, rest = value.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        value = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def human_duration(seconds: float) -> str:
    """Docker's ``units.HumanDuration``."""
    if seconds < 1:
        return "Less than a second"
    if seconds < 2:
        return "1 second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(round(seconds / 3600))
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    for limit, unit, size in ((24 * 14, "days", 24), (24 * 60, "weeks", 24 * 7), (24 * 730, "months", 24 * 30)):
        if hours < limit:
            return f"{hours // size} {unit}"
    return f"{hours // (24 * 365)} years"


def _since(text: str | None, now: datetime) -> str:
    when = parse_time(text)
    return human_duration(max(0.0, (now - when).total_seconds())) if when else "Less than a second"


def health_of(info: ContainerInfo) -> str:
    return info.health.status if info.health is not None else ""


def status_text(info: ContainerInfo, now: datetime) -> str:
    """``Up 5 minutes (healthy)``, ``Exited (1) 2 seconds ago``, ``Created``... plus restarts when any."""
    state = info.state
    if state == "running":
        text = f"Up {_since(info.started_at, now)}"
        health = health_of(info)
        if health:
            text += f" ({'health: starting' if health == 'starting' else health})"
    elif state == "paused":
        text = f"Up {_since(info.started_at, now)} (Paused)"
    elif state == "restarting":
        text = f"Restarting ({info.exit_code or 0}) {_since(info.finished_at, now)} ago"
    elif state == "exited":
        text = f"Exited ({info.exit_code or 0}) {_since(info.finished_at, now)} ago"
    else:
        text = state.capitalize()
    if info.restart_count:
        text += f", {info.restart_count} restart{'s' if info.restart_count != 1 else ''}"
    return text


def publishers(info: ContainerInfo) -> list[dict]:
    return [{"URL": p.host_ip, "TargetPort": p.container_port, "PublishedPort": p.host_port, "Protocol": p.protocol}
            for p in info.ports]


def ports_text(info: ContainerInfo) -> str:
    return ", ".join(f"{p.host_ip}:{p.host_port}->{p.container_port}/{p.protocol}" for p in info.ports)


def command_text(info: ContainerInfo, width: int | None = None) -> str:
    text = " ".join(info.command)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return f'"{text}"'


def created_text(info: ContainerInfo, now: datetime) -> str:
    return f"{_since(info.created, now)} ago"


def ps_row(info: ContainerInfo, now: datetime) -> dict:
    """One container as ``docker compose ps --format json`` prints it, plus ``RestartCount``."""
    labels = info.label_dict()
    created = parse_time(info.created)
    return {
        "ID": info.id,
        "Name": info.name,
        "Names": info.name,
        "Image": info.image,
        "Command": command_text(info),
        "Project": labels.get(L.PROJECT, ""),
        "Service": service_of(info),
        "Created": int(created.timestamp()) if created else 0,
        "CreatedAt": created.strftime("%Y-%m-%d %H:%M:%S +0000 UTC") if created else "",
        "RunningFor": created_text(info, now),
        "State": info.state,
        "Status": status_text(info, now),
        "Health": health_of(info),
        "ExitCode": info.exit_code or 0,
        "RestartCount": info.restart_count,
        "Publishers": publishers(info),
        "Ports": ports_text(info),
        "Networks": ",".join(name for name, _ in info.networks),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "LocalVolumes": "0",
        "Mounts": "",
        "Size": "0B",
    }


TABLE_HEADERS = ("NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS")


def table_row(info: ContainerInfo, now: datetime) -> tuple[str, ...]:
    return (info.name, info.image, command_text(info, 20), service_of(info), created_text(info, now),
            status_text(info, now), ports_text(info))


def project_status(infos: list[ContainerInfo]) -> str:
    """``running(2), exited(1)`` as ``docker compose ls`` shows it."""
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.state] = counts.get(info.state, 0) + 1
    return ", ".join(f"{state}({n})" for state, n in sorted(counts.items()))
