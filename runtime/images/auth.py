"""Registry credentials (``$DOCKER_CONFIG/config.json``: auths, credHelpers, credsStore) and auth challenges."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from runtime.errors import RegistryError

HUB_CONFIG_KEY = "https://index.docker.io/v1/"
_HUB_NAMES = {"docker.io", "index.docker.io", "registry-1.docker.io"}
_CHALLENGE_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    identity_token: bool = False


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "bearer" or "basic", lowercased
    params: dict[str, str]


def docker_config_path() -> Path:
    base = os.environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _host_of(key: str) -> str:
    key = re.sub(r"^[a-z]+://", "", key.strip())
    host = key.split("/", 1)[0]
    return "docker.io" if host in _HUB_NAMES else host


class CredentialStore:
    """Looks up credentials for a registry host the way the docker CLI does; explicit entries win."""

    def __init__(self, config_path: Path | None = None, explicit: dict[str, Credentials] | None = None) -> None:
        self._path = config_path
        self._explicit = {_host_of(k): v for k, v in (explicit or {}).items()}

    def get(self, registry: str) -> Credentials | None:
        host = _host_of(registry)
        if host in self._explicit:
            return self._explicit[host]
        config = self._load()
        helper = (config.get("credHelpers") or {}).get(host)
        if helper is None and host == "docker.io":
            helper = (config.get("credHelpers") or {}).get("index.docker.io")
        if helper:
            return _run_helper(helper, host)
        for key, entry in (config.get("auths") or {}).items():
            if _host_of(key) == host and isinstance(entry, dict):
                creds = _from_auth_entry(entry, key)
                if creds:
                    return creds
        store = config.get("credsStore")
        return _run_helper(store, host) if store else None

    def _load(self) -> dict:
        path = self._path or docker_config_path()
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"read docker config {path}: {exc}; fix or remove the file") from exc
        return data if isinstance(data, dict) else {}


def _from_auth_entry(entry: dict, key: str) -> Credentials | None:
    if entry.get("auth"):
        try:
            user, sep, password = base64.b64decode(entry["auth"], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            sep = ""
        if not sep:
            raise RegistryError(f"docker config auths[{key!r}].auth is not base64 'user:password'; log in again")
        return Credentials(user, password)
    if entry.get("identitytoken"):
        return Credentials(str(entry.get("username", "")), str(entry["identitytoken"]), identity_token=True)
    if entry.get("username") and entry.get("password"):
        return Credentials(str(entry["username"]), str(entry["password"]))
    return None


def _run_helper(helper: str, host: str) -> Credentials | None:
    import subprocess  # only for credential helpers: a plain pull or a local run never loads it

    program = f"docker-credential-{helper}"
    server = HUB_CONFIG_KEY if host == "docker.io" else host
    try:
        proc = subprocess.run([program, "get"], input=server.encode(), capture_output=True, timeout=30, check=False)
    except FileNotFoundError as exc:
        raise RegistryError(f"credential helper {program} for {host}: not found on PATH; install it or "
                            "remove it from docker config") from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryError(f"credential helper {program} for {host}: timed out") from exc
    if proc.returncode != 0:
        if b"credentials not found" in proc.stdout.lower() + proc.stderr.lower():
            return None
        raise RegistryError(f"credential helper {program} get {host}: exit {proc.returncode}: "
                            f"{proc.stderr.decode(errors='replace').strip()}")
    try:
        doc = json.loads(proc.stdout)
        user, secret = str(doc["Username"]), str(doc["Secret"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"credential helper {program} get {host}: malformed JSON answer") from exc
    return Credentials(user, secret, identity_token=user == "<token>")


def parse_challenge(header: str) -> Challenge | None:
    """Parse one ``WWW-Authenticate`` value: ``Bearer realm="..",service="..",scope=".."``."""
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)).replace('\\"', '"')
              for m in _CHALLENGE_PARAM.finditer(rest)}
    return Challenge(scheme.lower(), params)


def basic_header(creds: Credentials) -> str:
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode()
