"""Defaults, names and absolute paths: what ``docker compose config`` adds to the canonical dict.

Pure: paths are joined textually (no file system access), ``~`` comes from ``environ["HOME"]``.
Also checks that services refer only to declared networks, volumes, secrets and configs.
"""

from __future__ import annotations

import copy
import os.path
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compose.errors import ConsistencyError
from compose.loader.canonical_values import with_mark
from compose.loader.document import Marks, TreePath

_REMOTE_PREFIXES = ("http://", "https://", "git://", "git@", "github.com/", "ssh://")
_CONTEXT_PREFIXES = ("service:", "docker-image://", "oci-layout://")
_RESTARTING_LINKS = ("network_mode", "ipc", "pid", "uts", "cgroup")


def is_remote(context: str) -> bool:
    """A build context that is a URL or git reference (left as is)."""
    return context.startswith(_REMOTE_PREFIXES) or "://" in context


def absolute(path: str, project_dir: Path, environ: Mapping[str, str]) -> str:
    """``~`` expanded, relative paths joined to the project dir, the result cleaned (``a/../b`` -> ``b``)."""
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    if not os.path.isabs(path):
        path = os.path.join(str(project_dir), path)
    return os.path.normpath(path)


def normalize(
    data: dict,
    *,
    project_name: str,
    project_dir: Path,
    environ: Mapping[str, str],
    marks: Marks | None = None,
    references: bool = True,
) -> dict:
    """The canonical dict with ``name``, default network, resource names, absolute paths and implicit deps.

    Undeclared networks, volumes, secrets or configs raise ``ConsistencyError`` (located when ``marks`` given),
    unless ``references`` is False (compose-go's SkipConsistencyCheck).
    """
    out = {"name": project_name, **{k: v for k, v in copy.deepcopy(data).items() if k != "name"}}
    services = out.setdefault("services", {}) or {}
    out["services"] = services
    for svc in services.values():
        _service_paths(svc, project_dir, environ)
        _resolve_environment(svc, environ)
        _implicit_depends_on(svc)
        if svc.get("pull_policy") == "if_not_present":
            svc["pull_policy"] = "missing"
    _default_network(out)
    for kind in ("networks", "volumes", "secrets", "configs"):
        _resource_names(out, kind, project_name)
    for kind in ("secrets", "configs"):
        for item in (out.get(kind) or {}).values():
            if item.get("file"):
                item["file"] = absolute(str(item["file"]), project_dir, environ)
    for volume in (out.get("volumes") or {}).values():
        opts = volume.get("driver_opts") or {}
        if "bind" in str(opts.get("o", "")).split(",") and opts.get("device"):
            opts["device"] = absolute(str(opts["device"]), project_dir, environ)
    if not references:
        return out
    try:
        check_references(out)
    except ConsistencyError as exc:
        raise with_mark(exc, marks) from None
    return out


def _service_paths(svc: dict, project_dir: Path, environ: Mapping[str, str]) -> None:
    build = svc.get("build")
    if isinstance(build, dict):
        context = str(build.get("context") or ".")
        build["context"] = context if is_remote(context) else absolute(context, project_dir, environ)
        if not build.get("dockerfile_inline"):
            build.setdefault("dockerfile", "Dockerfile")
        extra = build.get("additional_contexts") or {}
        for key, value in extra.items():
            if isinstance(value, str) and not (is_remote(value) or value.startswith(_CONTEXT_PREFIXES)):
                extra[key] = absolute(value, project_dir, environ)
        for arg in [k for k, v in (build.get("args") or {}).items() if v is None]:
            if arg in environ:
                build["args"][arg] = environ[arg]
            else:
                del build["args"][arg]
    for entry in svc.get("env_file") or []:
        entry["path"] = absolute(str(entry["path"]), project_dir, environ)
    if svc.get("label_file"):
        svc["label_file"] = [absolute(p, project_dir, environ) for p in svc["label_file"]]
    for mount in svc.get("volumes") or []:
        if mount.get("type") == "bind" and mount.get("source"):
            mount["source"] = absolute(str(mount["source"]), project_dir, environ)
    for rule in (svc.get("develop") or {}).get("watch") or []:
        if rule.get("path") is not None:
            rule["path"] = absolute(str(rule["path"]), project_dir, environ)


def _resolve_environment(svc: dict, environ: Mapping[str, str]) -> None:
    env = svc.get("environment")
    if not isinstance(env, dict):
        return
    for key, value in env.items():
        if value is None and key in environ:
            env[key] = environ[key]


def _target(value: Any) -> str | None:
    text = str(value or "")
    return text[len("service:") :] if text.startswith("service:") else None


def _implicit_depends_on(svc: dict) -> None:
    """``network_mode/ipc/pid/uts/cgroup: service:x``, ``links`` and ``volumes_from`` become dependencies."""
    found: list[tuple[str, bool]] = []
    for attr in _RESTARTING_LINKS:
        target = _target(svc.get(attr))
        if target:
            found.append((target, True))
    for link in svc.get("links") or []:
        found.append((str(link).split(":", 1)[0], True))
    for source in svc.get("volumes_from") or []:
        text = str(source)
        if text.startswith("container:"):
            continue
        name = text[len("service:") :] if text.startswith("service:") else text
        found.append((name.split(":", 1)[0], False))
    if not found:
        return
    deps = svc.setdefault("depends_on", {})
    for name, restart in found:
        if name not in deps:
            deps[name] = {"condition": "service_started", "required": True, "restart": restart}


def _default_network(out: dict) -> None:
    used = False
    for svc in out["services"].values():
        if svc.get("network_mode"):
            continue
        if not svc.get("networks"):
            svc["networks"] = {"default": None}
        used = used or "default" in svc["networks"]
    if used:
        networks = out.get("networks") or {}
        networks.setdefault("default", {})
        out["networks"] = networks


def _resource_names(out: dict, kind: str, project: str) -> None:
    items = out.get(kind)
    if not items:
        return
    for key in list(items):
        item = items[key] if isinstance(items[key], dict) else {}
        items[key] = item
        if not item.get("name"):
            item["name"] = key if item.get("external") else f"{project}_{key}"


def check_references(data: dict) -> None:
    """Every network, named volume, secret (build secrets too) and config a service uses is declared at the top
    level."""
    for name, svc in (data.get("services") or {}).items():
        _check_exclusive(name, svc)
        for net in svc.get("networks") or {}:
            _declared(data, "networks", net, name, ("services", name, "networks", net))
        for i, mount in enumerate(svc.get("volumes") or []):
            source = mount.get("source")
            if mount.get("type") == "volume" and source:
                _declared(data, "volumes", source, name, ("services", name, "volumes", i))
        for kind in ("secrets", "configs"):
            for i, ref in enumerate(svc.get(kind) or []):
                _declared(data, kind, ref.get("source"), name, ("services", name, kind, i))
        build = svc.get("build") if isinstance(svc.get("build"), dict) else {}
        for i, ref in enumerate(build.get("secrets") or []):
            source = ref.get("source") if isinstance(ref, dict) else ref
            _declared(data, "secrets", source, name, ("services", name, "build", "secrets", i))


def _check_exclusive(name: str, svc: dict) -> None:
    if svc.get("network_mode") and svc.get("networks"):
        path: TreePath = ("services", name, "network_mode")
        _raise(path, f"service {name!r} sets both network_mode and networks", "keep only one of them")
    replicas = (svc.get("deploy") or {}).get("replicas")
    if replicas is not None and svc.get("scale") is not None and replicas != svc["scale"]:
        _raise(
            ("services", name, "scale"),
            f"service {name!r} sets scale {svc['scale']} and deploy.replicas {replicas}",
            "set only one of them (or the same value)",
        )


def _raise(path: TreePath, message: str, hint: str) -> None:
    error = ConsistencyError(message, path=path, hint=hint)
    error.tree_path = path  # type: ignore[attr-defined]
    raise error


def _declared(data: dict, kind: str, key: Any, service: str, path: TreePath) -> None:
    if key in (data.get(kind) or {}):
        return
    message = f"service {service!r} refers to undefined {kind[:-1]} {key!r}"
    _raise(path, message, f"declare it under the top-level '{kind}:' key")
