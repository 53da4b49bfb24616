"""A real distribution registry (Debian's ``docker-registry``) on 127.0.0.1, for tests; optional htpasswd auth."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.eventually import eventually

REGISTRY_BIN = "/usr/bin/docker-registry"


def registry_available() -> bool:
    return os.access(REGISTRY_BIN, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalRegistry:
    host: str  # "127.0.0.1:PORT"
    storage: Path
    proc: subprocess.Popen
    username: str | None = None
    password: str | None = None

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """Raw GET (stdlib, with basic auth if configured), independent of dockyard's client."""
        req = urllib.request.Request(self.url(path))
        if accept:
            req.add_header("Accept", accept)
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _config_text(storage: Path, htpasswd: Path | None) -> str:
    text = ("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
            "http:\n  addr: 127.0.0.1:5000\n")
    if htpasswd:
        text += f"auth:\n  htpasswd:\n    realm: dockyard-test\n    path: {htpasswd}\n"
    return text


def start_registry(workdir: Path, *, user: str | None = None, password: str | None = None) -> LocalRegistry:
    """Start a registry with its storage under ``workdir``; with ``user``/``password`` it requires basic auth."""
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / "storage"
    storage.mkdir(exist_ok=True)
    htpasswd = None
    if user:
        htpasswd = workdir / "htpasswd"
        line = subprocess.run(["htpasswd", "-Bbn", user, password or ""], check=True, capture_output=True).stdout
        htpasswd.write_bytes(line)
    config = workdir / "config.yml"
    config.write_text(_config_text(storage, htpasswd))
    port = free_port()
    env = {**os.environ, "REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}",
           "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(storage)}
    log = open(workdir / "registry.log", "wb")
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(config)], env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    reg = LocalRegistry(f"127.0.0.1:{port}", storage, proc, user, password)
    try:
        def ready() -> bool:
            assert proc.poll() is None, (workdir / "registry.log").read_text()
            try:
                return reg.get("/v2/")[0] in (200, 401)
            except OSError:
                return False
        eventually(ready, timeout=20)
    except BaseException:
        reg.stop()
        raise
    return reg


def skopeo_copy(src: str, dest: str, *extra: str) -> None:
    """Copy with Debian's skopeo (an independent implementation), plain HTTP to loopback."""
    cmd = ["skopeo", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", *extra, src, dest]
    if shutil.which("skopeo") is None:
        raise RuntimeError("skopeo is not installed")
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)



def _registry_fixture(tmp_path_factory, **auth: str) -> Iterator[LocalRegistry]:
    if not registry_available():
        pytest.skip("Debian's docker-registry is not installed")
    reg = start_registry(tmp_path_factory.mktemp("registry"), **auth)
    try:
        yield reg
    finally:
        reg.stop()


@pytest.fixture
def registry(tmp_path_factory) -> Iterator[LocalRegistry]:
    """A fresh anonymous registry on 127.0.0.1 (import this fixture into a test module)."""
    yield from _registry_fixture(tmp_path_factory)


@pytest.fixture
def auth_registry(tmp_path_factory) -> Iterator[LocalRegistry]:
    """A registry demanding basic auth as ``alice`` / ``wonderland``."""
    yield from _registry_fixture(tmp_path_factory, user="alice", password="wonderland")
