"""Registry credentials from docker's config.json (auths, credHelpers, credsStore) and auth challenges."""

from __future__ import annotations

import base64
import json
import os

import pytest

from runtime.errors import RegistryError
from runtime.images.auth import CredentialStore, Credentials, parse_challenge


def write_config(tmp_path, doc: dict):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    return path


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fake_helper(tmp_path, monkeypatch, name: str, answers: dict[str, tuple[str, str]]) -> None:
    """A docker-credential-NAME on PATH answering `get` for the given server names."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    cases = "".join(f'  "{server}") echo \'{{"ServerURL":"{server}","Username":"{u}","Secret":"{p}"}}\';;\n'
                    for server, (u, p) in answers.items())
    script = bindir / f"docker-credential-{name}"
    script.write_text(f'#!/bin/sh\n[ "$1" = get ] || exit 2\nread server\ncase "$server" in\n{cases}'
                      '  *) echo "credentials not found in native keychain"; exit 1;;\nesac\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def test_auths_base64_entry_matches_host_with_or_without_scheme(tmp_path):
    path = write_config(tmp_path, {"auths": {"http://localhost:5000/v2/": {"auth": b64("alice:s3:cret")},
                                             "https://index.docker.io/v1/": {"auth": b64("hub:pw")}}})
    store = CredentialStore(path)
    assert store.get("localhost:5000") == Credentials("alice", "s3:cret")
    assert store.get("docker.io") == Credentials("hub", "pw")
    assert store.get("registry-1.docker.io") == Credentials("hub", "pw")
    assert store.get("other.example") is None


def test_docker_config_env_locates_the_file(tmp_path, monkeypatch):
    write_config(tmp_path, {"auths": {"reg.example": {"auth": b64("u:p")}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert CredentialStore().get("reg.example") == Credentials("u", "p")


def test_cred_helper_wins_over_auths_and_creds_store_is_the_fallback(tmp_path, monkeypatch):
    fake_helper(tmp_path, monkeypatch, "per", {"reg.example": ("helper-user", "helper-pw")})
    fake_helper(tmp_path, monkeypatch, "default", {"other.example": ("store-user", "store-pw")})
    path = write_config(tmp_path, {"credHelpers": {"reg.example": "per"}, "credsStore": "default",
                                   "auths": {"reg.example": {"auth": b64("ignored:x")}}})
    store = CredentialStore(path)
    assert store.get("reg.example") == Credentials("helper-user", "helper-pw")
    assert store.get("other.example") == Credentials("store-user", "store-pw")
    assert store.get("unknown.example") is None


def test_missing_helper_is_a_clear_error(tmp_path):
    path = write_config(tmp_path, {"credHelpers": {"reg.example": "nope-not-installed"}})
    with pytest.raises(RegistryError, match="docker-credential-nope-not-installed.*not found"):
        CredentialStore(path).get("reg.example")


def test_corrupt_config_and_bad_base64_are_reported(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{nope")
    with pytest.raises(RegistryError, match="read docker config"):
        CredentialStore(bad).get("x.example")
    path = write_config(tmp_path, {"auths": {"x.example": {"auth": "!!!"}}})
    with pytest.raises(RegistryError, match="not base64"):
        CredentialStore(path).get("x.example")


def test_explicit_credentials_win_and_password_is_not_in_repr(tmp_path):
    store = CredentialStore(tmp_path / "absent.json", explicit={"reg.example": Credentials("me", "hidden")})
    creds = store.get("reg.example")
    assert creds == Credentials("me", "hidden")
    assert "hidden" not in repr(creds)


def test_parse_bearer_and_basic_challenges():
    ch = parse_challenge('Bearer realm="https://auth.example/token",service="registry.example",'
                         'scope="repository:a/b:pull,push"')
    assert ch.scheme == "bearer"
    assert ch.params == {"realm": "https://auth.example/token", "service": "registry.example",
                         "scope": "repository:a/b:pull,push"}
    assert parse_challenge('Basic realm="x"').scheme == "basic"
