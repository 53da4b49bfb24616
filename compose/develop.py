"""``dockyard watch``: a service's ``develop.watch`` rules applied as its files change on the host.

Rules (Compose's develop spec): ``action`` sync (copy changed files into the running containers at ``target``,
delete removed ones), sync+restart (then restart them), sync+exec (then run ``exec.command`` in them), restart, or
rebuild (build the image and recreate the service, as ``up --build`` for it); ``path`` is the host file or
directory (relative to the project directory), ``ignore``/``include`` are patterns on paths relative to it
(``*`` within a name, ``**`` across names, a trailing ``/`` for directories), ``initial_sync`` syncs everything once
at the start.

Changes are found by polling (mtime, size and type of every file under each path, every ``interval``): no
inotify limits, and it works on any filesystem. Changes within one poll are applied together, per rule.
Container paths are resolved inside the container's root (``compose.copy.resolve``), so a link in the container
cannot send a write to the host.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compose.errors import ComposeError
from compose.model import WatchRule

SYNC_ACTIONS = ("sync", "sync+restart", "sync+exec")
ACTIONS = (*SYNC_ACTIONS, "restart", "rebuild")

Entry = tuple[int, int, bool]  # mtime_ns, size, is a directory


@dataclass(frozen=True)
class Rule:
    service: str
    action: str
    path: Path
    target: str | None = None
    ignore: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    initial_sync: bool = False
    command: tuple[str, ...] = ()  # sync+exec


def rules_of(project: Any, services: tuple[str, ...] = ()) -> list[Rule]:
    """The watch rules of ``services`` (all with rules by default); a rule that cannot work is an error naming the
    service and the fix."""
    return [_rule(name, n, watch) for name, service in project.services.items()
            if not services or name in services for n, watch in enumerate(service.develop_watch)]


def _rule(service: str, n: int, watch: WatchRule) -> Rule:
    where = f"service {service!r}: develop.watch[{n}]"
    action, target = watch.action, watch.target
    if action not in ACTIONS:
        raise ComposeError(f"{where}: action {action!r} is unknown", hint=f"use one of {', '.join(ACTIONS)}")
    if action in SYNC_ACTIONS and not target:
        raise ComposeError(f"{where}: action {action} needs a target", hint="give the container path to sync to")
    if target and not str(target).startswith("/"):
        raise ComposeError(f"{where}: target {target!r} must be an absolute container path", hint="start it with /")
    command: tuple[str, ...] = ()
    if action == "sync+exec":
        value = watch.command
        command = ("/bin/sh", "-c", value) if isinstance(value, str) else tuple(value or ())
        if not command:
            raise ComposeError(f"{where}: sync+exec needs exec.command", hint="give the command to run after a sync")
    return Rule(service, action, Path(watch.path), target, watch.ignore, watch.include, watch.initial_sync, command)


# -- what changed ----------------------------------------------------------------------------------------------

def matches(rel: str, pattern: str) -> bool:
    """Does the relative path ``rel``, or a directory above it, match ``pattern`` (``*`` and ``?`` within a name,
    ``**`` across names, a leading ``./`` or trailing ``/`` ignored)?"""
    regex = _regex(pattern.strip().removeprefix("./").rstrip("/"))
    parts = rel.split("/")
    return any(regex.fullmatch("/".join(parts[:depth])) for depth in range(1, len(parts) + 1))


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def wanted(rule: Rule, rel: str) -> bool:
    if any(matches(rel, p) for p in rule.ignore):
        return False
    return not rule.include or any(matches(rel, p) for p in rule.include)


def snapshot(rule: Rule) -> dict[str, Entry]:
    """Every wanted entry under the rule's path (relative path -> mtime, size, is a directory); a file path gives
    the entry ``""``; a missing path gives nothing."""
    try:
        st = os.stat(rule.path)
    except OSError:
        return {}
    if not os.path.isdir(rule.path):
        return {"": (st.st_mtime_ns, st.st_size, False)}
    out: dict[str, Entry] = {}
    for rel, entry in _walk(rule.path, ""):
        if wanted(rule, rel):
            out[rel] = entry
    return out


def _walk(directory: Path, prefix: str) -> Iterator[tuple[str, Entry]]:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for e in entries:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        rel = f"{prefix}{e.name}"
        is_dir = e.is_dir(follow_symlinks=False)
        yield rel, (st.st_mtime_ns, st.st_size, is_dir)
        if is_dir:
            yield from _walk(Path(e.path), rel + "/")


def diff(before: dict[str, Entry], after: dict[str, Entry]) -> tuple[list[str], list[str]]:
    """(changed or new, removed) relative paths; a directory whose entry alone changed (its mtime, as files in it
    come and go) is not a change of its own."""
    changed = sorted(rel for rel, e in after.items() if before.get(rel) != e and not (e[2] and rel in before))
    removed = sorted(rel for rel in before if rel not in after)
    return changed, removed


# -- doing it ----------------------------------------------------------------------------------------------------

def sync_into(root: Path, rule: Rule, changed: list[str], removed: list[str]) -> None:
    """Copy ``changed`` from the host into the container whose filesystem is at ``root``; delete ``removed``.
    Written as ``cp`` writes: a link the container has where a file goes is replaced, never written through."""
    from compose.copy import make_dir, put_file, resolve

    for rel in removed:
        inside = resolve(root, _target(rule, rel), follow_last=False)
        if inside.is_dir() and not inside.is_symlink():
            shutil.rmtree(inside, ignore_errors=True)
        else:
            inside.unlink(missing_ok=True)
    for rel in changed:
        source = rule.path / rel if rel else rule.path
        inside = resolve(root, _target(rule, rel), follow_last=False)
        if source.is_dir() and not source.is_symlink():
            make_dir(inside)
            continue
        inside.parent.mkdir(parents=True, exist_ok=True)
        if inside.is_dir() and not inside.is_symlink():
            shutil.rmtree(inside)
        put_file(source, inside)


def _target(rule: Rule, rel: str) -> str:
    return f"{str(rule.target).rstrip('/')}/{rel}" if rel else str(rule.target)


class Watcher:
    """Polls the rules' paths and applies each rule's action to its service's running containers.

    ``rebuild(service)`` rebuilds and recreates a service (the CLI passes ``up --build`` for it); ``say`` reports
    what was done, in docker compose's words."""

    def __init__(self, rt: Any, project: str, rules: list[Rule], rebuild: Callable[[str], None],
                 say: Callable[[str], None], interval: float = 0.5) -> None:
        self.rt, self.project, self.rules = rt, project, rules
        self.rebuild, self.say, self.interval = rebuild, say, interval
        self.seen = {rule: snapshot(rule) for rule in rules}

    def start(self) -> None:
        for rule in self.rules:
            if rule.initial_sync and rule.action in SYNC_ACTIONS:
                self.apply(rule, sorted(self.seen[rule]), [])

    def poll(self) -> int:
        """One look at every path; applies what changed. Returns how many rules acted."""
        acted = 0
        for rule in self.rules:
            now = snapshot(rule)
            changed, removed = diff(self.seen[rule], now)
            self.seen[rule] = now
            if changed or removed:
                self.apply(rule, changed, removed)
                acted += 1
        return acted

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.poll()

    def apply(self, rule: Rule, changed: list[str], removed: list[str]) -> None:
        count = len(changed) + len(removed)
        if rule.action == "rebuild":
            self.say(f"Rebuilding service {rule.service!r} after {count} changes were detected")
            self.rebuild(rule.service)
            return
        containers = self._running(rule.service)
        if rule.action in SYNC_ACTIONS:
            self.say(f"Syncing service {rule.service!r} after {count} changes were detected")
            for info in containers:
                self.rt.with_container_fs(info.id, lambda root: sync_into(root, rule, changed, removed))
        if rule.action in ("restart", "sync+restart"):
            for info in containers:
                self.rt.restart_container(info.id)
            self.say(f"service {rule.service!r} restarted")
        if rule.action == "sync+exec":
            for info in containers:
                self.rt.exec(info.id, list(rule.command))

    def _running(self, service: str) -> list[Any]:
        from compose.observe import observe

        return [c for c in observe(self.rt, self.project, resources=False).service_containers(service)
                if c.state == "running"]
