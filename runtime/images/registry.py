"""OCI distribution client (pull and push) over httpx: the only httpx importer.

Auth: anonymous or credentialed bearer tokens and basic auth, negotiated from the ``WWW-Authenticate`` challenge.
Plain HTTP only for loopback hosts, ``insecure=True``, or registries listed (``host`` or ``host:port``) in
DOCKYARD_INSECURE_REGISTRIES (comma-separated) or in ``$DOCKYARD_ROOT/registries.json``:
``{"insecure": ["host:port", ...]}`` (a missing file lists none). Idempotent requests are
retried with exponential backoff on connection errors and 5xx. Blob bodies are streamed into a BlobSink, which
verifies size and digest; manifests over 4 MiB are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlencode, urljoin

import httpx

from runtime.errors import DigestMismatchError, ImageError, RegistryError
from runtime.images.auth import (
    Challenge,
    Credentials,
    CredentialStore,
    basic_header,
    parse_challenge,
)
from runtime.images.platform import ACCEPT, MAX_MANIFEST_BYTES, Descriptor
from runtime.images.store import BlobSink, default_root

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_CHUNK = 1 << 20
Progress = Callable[[int, int], None]
Body = bytes | Callable[[], Iterable[bytes]] | None


_EXAMPLE = 'write JSON such as {"insecure": ["registry.local:5000"]}'


def configured_insecure(root: Path | None = None) -> frozenset[str]:
    """The ``insecure`` list of ``<root>/registries.json`` (root: DOCKYARD_ROOT); empty when there is no file."""
    path = (root if root is not None else default_root()) / "registries.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError) as exc:
        raise ImageError(f"registry configuration {path}: cannot read it ({exc}); {_EXAMPLE}") from None
    listed = doc.get("insecure", []) if isinstance(doc, dict) else None
    if not isinstance(listed, list) or not all(isinstance(h, str) for h in listed):
        raise ImageError(f"registry configuration {path}: 'insecure' must be a list of host[:port] strings; "
                         f"{_EXAMPLE}")
    return frozenset(h.strip() for h in listed if h.strip())


def is_insecure(host: str, root: Path | None = None) -> bool:
    """Plain HTTP allowed: loopback, or listed (host or host:port) in DOCKYARD_INSECURE_REGISTRIES or in
    ``<root>/registries.json`` (root: DOCKYARD_ROOT)."""
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if bare in _LOOPBACK or bare.startswith("127."):
        return True
    listed = {h.strip() for h in os.environ.get("DOCKYARD_INSECURE_REGISTRIES", "").split(",") if h.strip()}
    listed |= configured_insecure(root)
    return host in listed or bare in listed


@dataclass(frozen=True)
class FetchedManifest:
    data: bytes
    media_type: str
    digest: str


class RegistryClient:
    """A client for one registry host; thread-safe (layers are fetched from a thread pool)."""

    def __init__(self, host: str, *, credentials: CredentialStore | None = None, insecure: bool | None = None,
                 retries: int = 4, backoff: float = 0.2, timeout: float = 60.0) -> None:
        self.host = host
        scheme = "http" if (insecure if insecure is not None else is_insecure(host)) else "https"
        self.base = f"{scheme}://{host}"
        self._creds_store = credentials or CredentialStore()
        self._retries, self._backoff = retries, backoff
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=True,
                                    limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
        self._lock = threading.Lock()
        self._challenge: Challenge | None = None
        self._tokens: dict[tuple[str, ...], str] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- auth --------------------------------------------------------------------------------------------
    def _credentials(self) -> Credentials | None:
        return self._creds_store.get(self.host)

    def _auth_header(self, scopes: tuple[str, ...]) -> dict[str, str]:
        with self._lock:
            challenge, token = self._challenge, self._tokens.get(scopes)
        if challenge is None:
            return {}
        if challenge.scheme == "basic":
            creds = self._credentials()
            return {"Authorization": basic_header(creds)} if creds else {}
        if token is None:
            token = self._fetch_token(challenge, scopes)
            with self._lock:
                self._tokens[scopes] = token
        return {"Authorization": f"Bearer {token}"}

    def _fetch_token(self, challenge: Challenge, scopes: tuple[str, ...]) -> str:
        realm = challenge.params.get("realm")
        if not realm:
            raise RegistryError(f"auth {self.host}: bearer challenge without realm")
        creds = self._credentials()
        query = [("service", challenge.params["service"])] if "service" in challenge.params else []
        query += [("scope", s) for s in scopes]
        try:
            if creds and creds.identity_token:
                form = dict(query[:1], grant_type="refresh_token", refresh_token=creds.password,
                            client_id="dockyard", scope=" ".join(scopes))
                resp = self._client.post(realm, data=form)
            else:
                headers = {"Authorization": basic_header(creds)} if creds else {}
                resp = self._client.get(realm, params=query, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryError(f"auth {self.host}: token request to {realm} failed: {exc}") from exc
        if resp.status_code in (401, 403):
            raise RegistryError(f"auth {self.host}: credentials rejected by {realm} (HTTP {resp.status_code}); "
                                "check docker config / login")
        if resp.status_code != 200:
            raise RegistryError(f"auth {self.host}: token endpoint {realm} answered HTTP {resp.status_code}")
        try:
            doc = resp.json()
            return str(doc.get("token") or doc["access_token"])
        except (ValueError, KeyError, AttributeError) as exc:
            raise RegistryError(f"auth {self.host}: token endpoint {realm} returned no token") from exc

    def _learn_challenge(self, resp: httpx.Response, scopes: tuple[str, ...]) -> bool:
        """Record the challenge from a 401; False if nothing new can be tried."""
        header = resp.headers.get("www-authenticate", "")
        challenge = parse_challenge(header)
        if challenge is None or challenge.scheme not in ("bearer", "basic"):
            raise RegistryError(f"auth {self.host}: unsupported challenge {header!r}")
        if challenge.scheme == "basic" and self._credentials() is None:
            raise RegistryError(f"auth {self.host}: authentication required and no credentials found; "
                                "add them to $DOCKER_CONFIG/config.json (docker login)")
        with self._lock:
            changed = challenge != self._challenge or scopes in self._tokens
            self._challenge = challenge
            self._tokens.pop(scopes, None)
        return changed

    # ---- transport ---------------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return urljoin(self.base + "/", path.lstrip("/")) if not path.startswith("http") else path

    def _send(self, method: str, path: str, scopes: tuple[str, ...], *, headers: dict[str, str] | None = None,
              body: Body = None, retry: bool = True, stream: bool = False) -> httpx.Response:
        """Send with auth negotiation and retries. Caller closes a streamed response."""
        attempt, authed = 0, False
        while True:
            content = body() if callable(body) else body
            url = self._url(path)
            auth = self._auth_header(scopes) if url.startswith(self.base + "/") else {}  # never leak to others
            req = self._client.build_request(method, url, content=content, headers={**(headers or {}), **auth})
            try:
                resp = self._client.send(req, stream=stream)
            except httpx.TransportError as exc:
                if not retry or attempt >= self._retries:
                    raise RegistryError(f"{method} {self.base}{path}: {type(exc).__name__}: {exc}") from exc
                attempt += 1
                time.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if resp.status_code == 401 and not authed:
                resp.close()
                authed = True
                learned = self._learn_challenge(resp, scopes)
                if learned or "authorization" not in req.headers:
                    continue
            if resp.status_code >= 500 and retry and attempt < self._retries:
                resp.close()
                attempt += 1
                time.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if resp.status_code == 401:
                resp.close()
                raise RegistryError(f"{method} {self.base}{path}: unauthorized (HTTP 401); check credentials")
            return resp

    def _fail(self, what: str, resp: httpx.Response) -> RegistryError:
        try:
            text = resp.read()[:300].decode(errors="replace")
        except httpx.HTTPError:
            text = ""
        finally:
            resp.close()
        return RegistryError(f"{what} on {self.host}: HTTP {resp.status_code} {text}".strip())

    # ---- pull --------------------------------------------------------------------------------------------
    def ping(self) -> None:
        resp = self._send("GET", "/v2/", ())
        resp.close()
        if resp.status_code not in (200, 401):
            raise self._fail("ping /v2/", resp)

    def get_manifest(self, repo: str, reference: str) -> FetchedManifest:
        """Fetch a manifest or index by tag or digest; verify a digest reference and the size limit."""
        scopes = (f"repository:{repo}:pull",)
        resp = self._send("GET", f"/v2/{repo}/manifests/{reference}", scopes, headers={"Accept": ACCEPT},
                          stream=True)
        try:
            if resp.status_code == 404:
                raise RegistryError(f"pull {self.host}/{repo}:{reference}: manifest unknown (not in registry)")
            if resp.status_code != 200:
                raise self._fail(f"get manifest {repo}:{reference}", resp)
            data = _read_limited(resp, MAX_MANIFEST_BYTES, f"manifest {repo}:{reference}")
        finally:
            resp.close()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if reference.startswith("sha256:") and digest != reference:
            raise DigestMismatchError(f"manifest {repo}@{reference}: registry sent content hashing to {digest}")
        announced = resp.headers.get("docker-content-digest", "")
        if announced.startswith("sha256:") and announced != digest:
            raise DigestMismatchError(f"manifest {repo}:{reference}: header says {announced}, content is {digest}")
        media_type = resp.headers.get("content-type", "").split(";")[0].strip()
        return FetchedManifest(data, media_type, digest)

    def fetch_blob(self, repo: str, desc: Descriptor, sink: BlobSink, progress: Progress | None = None) -> None:
        """Stream a blob into ``sink`` (which checks size and digest); retried from the start on 5xx/resets."""
        scopes = (f"repository:{repo}:pull",)
        for attempt in range(self._retries + 1):
            sink.reset()
            resp = self._send("GET", f"/v2/{repo}/blobs/{desc.digest}", scopes, stream=True)
            try:
                if resp.status_code != 200:
                    raise self._fail(f"get blob {repo}@{desc.digest}", resp)
                for chunk in resp.iter_bytes(_CHUNK):
                    sink.write(chunk)
                    if progress:
                        progress(sink.written, desc.size)
                sink.verify()
                return
            except (httpx.TransportError, httpx.StreamError) as exc:
                if attempt >= self._retries:
                    raise RegistryError(f"get blob {repo}@{desc.digest} from {self.host}: {exc}") from exc
                time.sleep(self._backoff * 2 ** attempt)
            finally:
                resp.close()

    # ---- push --------------------------------------------------------------------------------------------
    def blob_exists(self, repo: str, digest: str) -> bool:
        resp = self._send("HEAD", f"/v2/{repo}/blobs/{digest}", (f"repository:{repo}:pull,push",))
        resp.close()
        return resp.status_code == 200

    def upload_blob(self, repo: str, digest: str, size: int, chunks: Callable[[], Iterator[bytes]], *,
                    chunk_size: int | None = None, mount_from: str | None = None) -> str:
        """Upload unless mountable; monolithic PUT, or PATCH chunks when ``chunk_size`` is set.

        Returns "mounted" or "uploaded". ``chunks`` yields the blob's bytes afresh on each call.
        """
        scopes = (f"repository:{repo}:pull,push",) + ((f"repository:{mount_from}:pull",) if mount_from else ())
        query = "?" + urlencode({"mount": digest, "from": mount_from}) if mount_from else ""
        resp = self._send("POST", f"/v2/{repo}/blobs/uploads/{query}", scopes, retry=False)
        resp.close()
        if resp.status_code == 201 and mount_from:
            return "mounted"
        if resp.status_code != 202 or "location" not in resp.headers:
            raise self._fail(f"start upload {repo}@{digest}", resp)
        location = self._url(resp.headers["location"]) if not resp.headers["location"].startswith("http") \
            else resp.headers["location"]
        if chunk_size:
            location = self._patch_chunks(repo, digest, location, chunks, chunk_size, scopes)
            final_body: Body = b""
        else:
            final_body = chunks
        sep = "&" if "?" in location else "?"
        headers = {"Content-Type": "application/octet-stream"}
        if not chunk_size:
            headers["Content-Length"] = str(size)
        resp = self._send("PUT", f"{location}{sep}{urlencode({'digest': digest})}", scopes, headers=headers,
                          body=final_body, retry=False)
        resp.close()
        if resp.status_code != 201:
            raise self._fail(f"finish upload {repo}@{digest}", resp)
        stored = resp.headers.get("docker-content-digest", digest)
        if stored != digest:
            raise DigestMismatchError(f"push {repo}@{digest}: registry stored {stored}")
        return "uploaded"

    def _patch_chunks(self, repo: str, digest: str, location: str, chunks: Callable[[], Iterator[bytes]],
                      chunk_size: int, scopes: tuple[str, ...]) -> str:
        offset = 0
        for piece in _rechunk(chunks(), chunk_size):
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(piece)),
                       "Content-Range": f"{offset}-{offset + len(piece) - 1}"}
            resp = self._send("PATCH", location, scopes, headers=headers, body=piece, retry=False)
            resp.close()
            if resp.status_code != 202:
                raise self._fail(f"upload chunk at {offset} of {repo}@{digest}", resp)
            location = self._url(resp.headers.get("location", location))
            offset += len(piece)
        return location

    def put_manifest(self, repo: str, reference: str, data: bytes, media_type: str) -> str:
        """PUT manifest bytes unchanged; returns the digest, checked against what the registry reports."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        resp = self._send("PUT", f"/v2/{repo}/manifests/{reference}", (f"repository:{repo}:pull,push",),
                          headers={"Content-Type": media_type}, body=data)
        resp.close()
        if resp.status_code not in (200, 201):
            raise self._fail(f"put manifest {repo}:{reference}", resp)
        stored = resp.headers.get("docker-content-digest", digest)
        if stored != digest:
            raise DigestMismatchError(f"push manifest {repo}:{reference}: registry stored {stored}, sent {digest}")
        return digest


def _read_limited(resp: httpx.Response, limit: int, what: str) -> bytes:
    length = resp.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise RegistryError(f"{what}: {length} bytes exceeds the {limit}-byte manifest limit; refused")
    buf = bytearray()
    for chunk in resp.iter_bytes(65536):
        buf += chunk
        if len(buf) > limit:
            raise RegistryError(f"{what}: more than {limit} bytes; refused")
    return bytes(buf)


def _rechunk(source: Iterator[bytes], size: int) -> Iterator[bytes]:
    buf = bytearray()
    for data in source:
        buf += data
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    if buf:
        yield bytes(buf)
