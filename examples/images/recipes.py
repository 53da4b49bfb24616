"""What each local image is: its Debian packages, the files laid over them, and its image config.

Pure data. ``ImageConfig`` renders both as an OCI image ``config`` (for ``ImageService.import_rootfs``) and as the
Dockerfile lines that follow ``FROM scratch`` + ``ADD rootfs.tar.gz /`` (for dockyard's own build, once it lands).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

SUITE = "bookworm"
MIRRORS = (
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
)
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SECOND = 1_000_000_000  # OCI durations are nanoseconds
BUILD_REVISION = 2  # bump when the way a rootfs is made changes (debian.py): it is part of every cache key


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]  # ("CMD", argv...) or ("CMD-SHELL", script)
    interval: int = 10 * SECOND
    timeout: int = 3 * SECOND
    retries: int = 3
    start_period: int = 0


@dataclass(frozen=True)
class ImageConfig:
    """The OCI image config fields we set (names as in the OCI/Docker image config)."""

    env: tuple[str, ...] = (PATH,)
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ("bash",)
    working_dir: str = ""
    exposed_ports: tuple[str, ...] = ()  # "6379/tcp"
    volumes: tuple[str, ...] = ()
    stop_signal: str = ""
    healthcheck: Healthcheck | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def to_oci(self) -> dict:
        """The ``config`` object of an OCI image config."""
        doc: dict = {"Env": list(self.env), "Cmd": list(self.cmd)}
        if self.entrypoint:
            doc["Entrypoint"] = list(self.entrypoint)
        if self.working_dir:
            doc["WorkingDir"] = self.working_dir
        if self.exposed_ports:
            doc["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.volumes:
            doc["Volumes"] = {path: {} for path in self.volumes}
        if self.stop_signal:
            doc["StopSignal"] = self.stop_signal
        if self.healthcheck:
            hc = self.healthcheck
            durations = {"Interval": hc.interval, "Timeout": hc.timeout, "StartPeriod": hc.start_period}
            doc["Healthcheck"] = {"Test": list(hc.test), "Retries": hc.retries,
                                  **{k: v for k, v in durations.items() if v}}  # as Docker: zero is left out
        if self.labels:
            doc["Labels"] = dict(self.labels)
        return doc

    def to_dockerfile(self, rootfs_tar: str) -> str:
        """The equivalent Dockerfile: ``FROM scratch`` + ``ADD <rootfs_tar> /`` + one line per field."""
        lines = ["FROM scratch", f"ADD {rootfs_tar} /"]
        lines += [f"ENV {json.dumps(e.partition('=')[0])[1:-1]}={json.dumps(e.partition('=')[2])}"
                  for e in self.env]
        lines += [f"LABEL {json.dumps(k)}={json.dumps(v)}" for k, v in self.labels]
        lines += [f"EXPOSE {port}" for port in self.exposed_ports]
        if self.volumes:
            lines.append(f"VOLUME {json.dumps(list(self.volumes))}")
        if self.working_dir:
            lines.append(f"WORKDIR {self.working_dir}")
        if self.stop_signal:
            lines.append(f"STOPSIGNAL {self.stop_signal}")
        if self.healthcheck:
            hc = self.healthcheck
            kind, *rest = hc.test
            body = rest[0] if kind == "CMD-SHELL" else json.dumps(rest)
            flags = [f"--{name}={_duration(value)}" for name, value in
                     (("interval", hc.interval), ("timeout", hc.timeout), ("start-period", hc.start_period)) if value]
            lines.append(f"HEALTHCHECK {' '.join(flags)} --retries={hc.retries} CMD {body}")
        if self.entrypoint:
            lines.append(f"ENTRYPOINT {json.dumps(list(self.entrypoint))}")
        lines.append(f"CMD {json.dumps(list(self.cmd))}")
        return "\n".join(lines) + "\n"


def _duration(nanoseconds: int) -> str:
    return f"{nanoseconds // SECOND}s" if nanoseconds % SECOND == 0 else f"{nanoseconds // 1_000_000}ms"


@dataclass(frozen=True)
class FileEdit:
    """One change laid over the installed packages: ``kind`` is ``write`` (text, mode), ``dir`` (mode),
    ``symlink`` (target) or ``remove``."""

    path: str  # absolute, inside the rootfs
    kind: str = "write"
    text: str = ""
    target: str = ""
    mode: int = 0o644


@dataclass(frozen=True)
class Recipe:
    """One image: its reference, the packages on top of the minbase system, its files and its config."""

    ref: str
    packages: tuple[str, ...] = ()
    files: tuple[FileEdit, ...] = ()
    config: ImageConfig = field(default_factory=ImageConfig)

    @property
    def name(self) -> str:
        """Short name for cache files and messages: ``redis`` for ``dockyard.local/redis:7``."""
        return self.ref.rsplit("/", 1)[-1].split(":")[0]

    def key_material(self) -> dict:
        """Everything the rootfs depends on (the config is applied at import, so it is not part of it)."""
        return {"revision": BUILD_REVISION, "ref": self.ref, "suite": SUITE, "mirrors": list(MIRRORS),
                "packages": sorted(self.packages),
                "files": [[f.path, f.kind, f.text, f.target, f.mode] for f in self.files]}


REDIS_ENTRYPOINT = """#!/bin/sh
# dockyard.local/redis entrypoint, after the official image's conventions:
# options alone ("--appendonly yes") run redis-server with them, and protected mode is off unless the
# command line or a config file says otherwise (the official image compiles that default in).
set -e
case "$1" in
    -*|*.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
    case " $* " in
        *" --protected-mode "*|*.conf*) ;;
        *) set -- "$@" --protected-mode no ;;
    esac
fi
exec "$@"
"""

NGINX_CONF = """user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;
error_log /var/log/nginx/error.log notice;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"';
    access_log /var/log/nginx/access.log main;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
"""

NGINX_DEFAULT_CONF = """server {
    listen 80;
    listen [::]:80;
    server_name localhost;

    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }

    error_page 500 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
    }
}
"""

NGINX_INDEX = """<!DOCTYPE html>
<html><head><title>Welcome to nginx!</title></head>
<body><h1>Welcome to nginx!</h1><p>dockyard.local/nginx, built from Debian packages.</p></body></html>
"""

NGINX_50X = """<!DOCTYPE html>
<html><head><title>Error</title></head>
<body><h1>An error occurred.</h1><p>The page you are looking for is currently unavailable.</p></body></html>
"""

DEBIAN = Recipe("dockyard.local/debian:bookworm")

PYTHON = Recipe(
    "dockyard.local/python:3",
    packages=("python3", "python3-redis"),
    config=ImageConfig(env=(PATH, "LANG=C.UTF-8", "PYTHONUNBUFFERED=1"), cmd=("python3",)),
)

REDIS = Recipe(
    "dockyard.local/redis:7",
    packages=("redis-server", "redis-tools"),
    files=(FileEdit("/usr/local/bin/docker-entrypoint.sh", text=REDIS_ENTRYPOINT, mode=0o755),
           FileEdit("/data", kind="dir", mode=0o755)),
    config=ImageConfig(
        entrypoint=("docker-entrypoint.sh",),
        cmd=("redis-server", "--protected-mode", "no", "--bind", "0.0.0.0"),
        working_dir="/data", exposed_ports=("6379/tcp",), volumes=("/data",),
        healthcheck=Healthcheck(("CMD", "redis-cli", "ping"), interval=5 * SECOND, timeout=3 * SECOND, retries=5)),
)

NGINX = Recipe(
    "dockyard.local/nginx:1",
    packages=("nginx", "busybox-static"),
    files=(FileEdit("/etc/nginx/nginx.conf", text=NGINX_CONF),
           FileEdit("/etc/nginx/conf.d/default.conf", text=NGINX_DEFAULT_CONF),
           FileEdit("/etc/nginx/sites-enabled/default", kind="remove"),
           FileEdit("/usr/share/nginx/html/index.html", text=NGINX_INDEX),
           FileEdit("/usr/share/nginx/html/50x.html", text=NGINX_50X),
           FileEdit("/var/log/nginx/access.log", kind="symlink", target="/dev/stdout"),
           FileEdit("/var/log/nginx/error.log", kind="symlink", target="/dev/stderr")),
    config=ImageConfig(
        cmd=("nginx", "-g", "daemon off;"), exposed_ports=("80/tcp",), stop_signal="SIGQUIT",
        healthcheck=Healthcheck(("CMD", "busybox", "wget", "-q", "--spider", "http://127.0.0.1/"),
                                interval=5 * SECOND, timeout=3 * SECOND, retries=5)),
)

RECIPES: tuple[Recipe, ...] = (DEBIAN, PYTHON, REDIS, NGINX)


class UnknownImageError(ValueError):
    """An image name that no recipe has."""


def find(names: list[str]) -> list[Recipe]:
    """Recipes by reference or short name (``redis`` or ``dockyard.local/redis:7``); all for an empty list."""
    if not names:
        return list(RECIPES)
    known = {r.name: r for r in RECIPES} | {r.ref: r for r in RECIPES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownImageError(f"unknown image(s) {', '.join(unknown)}; known: {', '.join(r.name for r in RECIPES)}")
    return [known[n] for n in names]
