"""Conditions on running containers: depends_on (service_started / service_healthy / service_completed_successfully)
and ``up --wait``. Each check reads ContainerInfos and answers ok / not yet / failed (with the reason)."""

from __future__ import annotations

from compose.model import Healthcheck, Service
from runtime import ContainerInfo, record

STARTED = "service_started"
HEALTHY = "service_healthy"
COMPLETED = "service_completed_successfully"
COMPLETION_TIMEOUT = 600.0  # how long up waits for a one-shot dependency, unless --wait-timeout says otherwise
SLACK = 10.0


@record
class Verdict:
    done: bool = False
    failure: str = ""
    status: str = ""  # what we are waiting for, for messages


WAIT = Verdict()
OK = Verdict(done=True)


def last_probe_output(info: ContainerInfo) -> str:
    if info.health is None or not info.health.log:
        return "no probe output"
    last = info.health.log[-1]
    text = str(last.get("Output", last.get("output", "")) if isinstance(last, dict) else last).strip()
    return text.splitlines()[-1] if text else f"exit code {last.get('ExitCode', '?') if isinstance(last, dict) else '?'}"


def check(condition: str, service: str, infos: list[ContainerInfo]) -> Verdict:
    """Whether the replicas ``infos`` of dependency ``service`` satisfy ``condition``."""
    if not infos:
        return Verdict(failure=f"dependency {service} has no container")
    verdicts = [_one(condition, service, info) for info in infos]
    failed = next((v for v in verdicts if v.failure), None)
    if failed is not None:
        return failed
    pending = next((v for v in verdicts if not v.done), None)
    return pending or OK


def _one(condition: str, service: str, info: ContainerInfo) -> Verdict:
    if condition == COMPLETED:
        if info.state in ("exited", "dead"):
            code = info.exit_code or 0
            return OK if code == 0 else Verdict(failure=f"dependency {service} exited with code {code}")
        return Verdict(status=f"{info.name} to exit")
    if condition == STARTED:
        return OK  # it was started before its dependents (graph order); what it did since does not matter
    if info.state in ("exited", "dead"):
        return Verdict(failure=f"dependency {service} exited with code {info.exit_code or 0}")
    if info.health is None:
        return Verdict(failure=f"dependency {service} has no healthcheck configured (container {info.name})")
    if info.health.status == "unhealthy":
        return Verdict(failure=f"dependency {service} is unhealthy: {last_probe_output(info)}")
    if info.health.status == "healthy":
        return OK
    return Verdict(status=f"{info.name} to be healthy (now {info.health.status})")


def ready(service: str, infos: list[ContainerInfo]) -> Verdict:
    """``up --wait``: running and healthy (when it has a healthcheck), or a one-shot that exited 0."""
    if not infos:
        return Verdict(failure=f"service {service} has no container")
    completed = 0
    for info in infos:
        if info.state in ("exited", "dead"):
            if info.exit_code:
                return Verdict(failure=f"service {service} exited with code {info.exit_code}")
            completed += 1
            continue
        if info.state != "running":
            return Verdict(status=f"{info.name} to run (now {info.state})")
        if info.health is not None:
            if info.health.status == "unhealthy":
                return Verdict(failure=f"service {service} is unhealthy: {last_probe_output(info)}")
            if info.health.status != "healthy":
                return Verdict(status=f"{info.name} to be healthy (now {info.health.status})")
    if completed == len(infos):
        return Verdict(done=True, status="Completed")
    return Verdict(done=True, status="Healthy" if any(i.health for i in infos) else "Running")


def default_timeout(condition: str, dependency: Service | None) -> float | None:
    """How long ``up`` waits for a condition when the user gave no timeout: a healthcheck's worst case
    (start period + retries+1 probes at interval + timeout), a fixed bound for one-shots, none for started."""
    if condition == STARTED:
        return SLACK
    if condition == COMPLETED:
        return COMPLETION_TIMEOUT
    hc = (dependency.healthcheck if dependency else None) or Healthcheck()
    interval = 30.0 if hc.interval is None else hc.interval
    timeout = 30.0 if hc.timeout is None else hc.timeout
    retries = 3 if hc.retries is None else hc.retries
    start = hc.start_period or 0.0
    return start + (interval + timeout) * (retries + 1) + SLACK
