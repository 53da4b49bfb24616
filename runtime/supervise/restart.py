"""Restart policies and Docker's restart backoff. PURE: no I/O, no clock reads; time is passed in.

Policies (``restart:``): ``no``, ``always``, ``on-failure[:N]``, ``unless-stopped``; and compose's
``deploy.restart_policy`` (``condition`` none/on-failure/any, ``delay``, ``max_attempts``, ``window``).

Semantics, as Docker's restart manager:
- After an exit that was not requested by the user: ``always`` and ``unless-stopped`` restart; ``on-failure``
  restarts on a non-zero exit code while fewer than N restarts happened (N = 0: unlimited); ``no`` never does.
- A container stopped by the user is never restarted by its monitor, whatever the policy.
- Backoff: the first restart waits 100 ms, each next one doubles, capped at 60 s; once a container ran for 10 s
  or more the delay starts again at 100 ms. ``deploy.restart_policy.delay`` replaces the backoff with a fixed delay.
- ``window`` (swarm's meaning): only restarts that happened within the last ``window`` seconds count towards
  ``max_attempts``.
- When supervision resumes (the next ``up``, or a new monitor adopting a container that exited while nobody
  watched): ``always`` restarts even after a manual stop, ``unless-stopped`` only if it was not stopped by the
  user, ``on-failure`` if it failed and retries remain (``should_resume``).
"""

from __future__ import annotations

from typing import NamedTuple

from runtime.supervise.durations import parse_duration
from runtime.supervise.errors import PolicyError

NO, ALWAYS, ON_FAILURE, UNLESS_STOPPED = "no", "always", "on-failure", "unless-stopped"
MODES = (NO, ALWAYS, ON_FAILURE, UNLESS_STOPPED)
BACKOFF_START = 0.1
BACKOFF_MAX = 60.0
BACKOFF_RESET_AFTER = 10.0
_CONDITIONS = {"none": NO, "no": NO, "on-failure": ON_FAILURE, "any": ALWAYS, "always": ALWAYS,
               "unless-stopped": UNLESS_STOPPED}


class RestartPolicy(NamedTuple):
    """When to restart. ``delay`` None means Docker's exponential backoff; ``max_attempts`` 0 means unlimited."""

    mode: str = NO
    max_attempts: int = 0
    delay: float | None = None
    window: float = 0.0

    @classmethod
    def parse(cls, text: str | None) -> RestartPolicy:
        """Parse ``restart:`` text: "no", "always", "on-failure", "on-failure:3", "unless-stopped"."""
        if text is None or text == "" or text is False:
            return cls()
        name, sep, count = str(text).partition(":")
        name = name.strip()
        if name not in MODES:
            raise PolicyError(f"restart policy {text!r}: unknown mode {name!r}; use one of {', '.join(MODES)}")
        if sep and name != ON_FAILURE:
            raise PolicyError(f"restart policy {text!r}: only on-failure takes a retry count (on-failure:3)")
        attempts = _parse_count(count, text) if sep else 0
        return cls(mode=name, max_attempts=attempts)

    @classmethod
    def from_deploy(cls, condition: str | None = None, delay: str | float | None = None,
                    max_attempts: int | None = None, window: str | float | None = None) -> RestartPolicy:
        """Build from ``deploy.restart_policy`` (condition defaults to ``any`` as in compose)."""
        cond = (condition or "any").strip()
        if cond not in _CONDITIONS:
            raise PolicyError(f"deploy.restart_policy.condition {cond!r}: use none, on-failure or any")
        if max_attempts is not None and (isinstance(max_attempts, bool) or int(max_attempts) < 0):
            raise PolicyError(f"deploy.restart_policy.max_attempts {max_attempts!r}: must be 0 or more")
        return cls(
            mode=_CONDITIONS[cond],
            max_attempts=int(max_attempts or 0),
            delay=None if delay is None else parse_duration(delay, what="deploy.restart_policy.delay"),
            window=0.0 if window is None else parse_duration(window, what="deploy.restart_policy.window"),
        )

    def __str__(self) -> str:
        if self.mode == ON_FAILURE and self.max_attempts:
            return f"{ON_FAILURE}:{self.max_attempts}"
        return self.mode


def _parse_count(count: str, text: object) -> int:
    try:
        value = int(count.strip())
    except ValueError:
        raise PolicyError(f"restart policy {text!r}: retry count {count!r} is not a number") from None
    if value < 0:
        raise PolicyError(f"restart policy {text!r}: retry count must be 0 or more")
    return value


class RestartHistory(NamedTuple):
    """What the policy needs to remember between exits. ``count`` is the RestartCount shown to users."""

    count: int = 0
    last_delay: float = 0.0
    times: tuple[float, ...] = ()


class Decision(NamedTuple):
    """The verdict for one exit: restart or not, after how long, why; and the history to keep."""

    restart: bool
    delay: float
    reason: str
    history: RestartHistory


def backoff(previous: float, ran_for: float) -> float:
    """Docker's next delay: 100 ms, doubling to 60 s; back to 100 ms after a run of 10 s or more."""
    if ran_for >= BACKOFF_RESET_AFTER or previous <= 0:
        return BACKOFF_START
    return min(previous * 2, BACKOFF_MAX)


def decide(policy: RestartPolicy, history: RestartHistory, *, exit_code: int, ran_for: float,
           stopped_by_user: bool, now: float) -> Decision:
    """Decide what to do after a container exited ``ran_for`` seconds after it started, at time ``now``."""
    delay = policy.delay if policy.delay is not None else backoff(history.last_delay, ran_for)
    keep = history._replace(last_delay=delay)
    if stopped_by_user:
        return Decision(False, 0.0, "stopped by the user", keep)
    verdict, reason = _wants_restart(policy, history, exit_code, now)
    if not verdict:
        return Decision(False, 0.0, reason, keep)
    times = _recent(history.times + (now,), policy, now)
    new = RestartHistory(count=history.count + 1, last_delay=delay, times=times)
    return Decision(True, delay, reason, new)


def _wants_restart(policy: RestartPolicy, history: RestartHistory, exit_code: int, now: float) -> tuple[bool, str]:
    if policy.mode == NO:
        return False, "restart policy is no"
    if policy.mode == ON_FAILURE and exit_code == 0:
        return False, "exited with code 0 and the policy is on-failure"
    used = _attempts_used(policy, history, now)
    if policy.max_attempts and used >= policy.max_attempts:
        return False, f"gave up after {used} restart(s) (max {policy.max_attempts})"
    if policy.mode == ON_FAILURE:
        return True, f"exited with code {exit_code}; policy {policy}"
    return True, f"exited with code {exit_code}; policy {policy.mode}"


def _attempts_used(policy: RestartPolicy, history: RestartHistory, now: float) -> int:
    if policy.window > 0:
        return sum(1 for t in history.times if now - t <= policy.window)
    return history.count


def _recent(times: tuple[float, ...], policy: RestartPolicy, now: float) -> tuple[float, ...]:
    """Keep only the restart times the window still needs (bounded memory)."""
    if policy.window > 0:
        return tuple(t for t in times if now - t <= policy.window)
    return ()


def should_resume(policy: RestartPolicy, history: RestartHistory, *, exit_code: int | None,
                  stopped_by_user: bool, now: float) -> bool:
    """Whether a container found exited when supervision resumes should be started again (Docker's boot rule)."""
    if policy.mode == ALWAYS:
        return True
    if policy.mode == UNLESS_STOPPED:
        return not stopped_by_user
    if policy.mode == ON_FAILURE:
        if stopped_by_user or exit_code in (0, None):
            return False
        return not policy.max_attempts or _attempts_used(policy, history, now) < policy.max_attempts
    return False
