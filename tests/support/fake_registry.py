"""A small scriptable registry on 127.0.0.1 for tests of failure modes a real registry never shows:
wrong digests and sizes, oversized manifests, 5xx bursts, and bearer-token auth."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.images import BuiltImage, Layout


@dataclass
class Response:
    body: bytes
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False


class FakeRegistry:
    def __init__(self) -> None:
        self.routes: dict[str, Response] = {}
        self.fail_first: dict[str, int] = {}  # path -> number of 503 answers before serving
        self.bearer: bool = False
        self.token_user: tuple[str, str] | None = None  # basic creds the token endpoint demands
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.token_requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add_image(self, repo: str, tag: str, layout: Layout, image: BuiltImage) -> None:
        """Serve ``image`` (all blobs read from ``layout``) under ``repo:tag`` and its digest."""
        blobs = [image.config_digest, *image.layer_digests]
        for digest in blobs:
            data = (layout.root / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
            self.routes[f"/v2/{repo}/blobs/{digest}"] = Response(data)
        self.add_manifest(repo, tag, image.manifest, image.media_type)

    def add_manifest(self, repo: str, ref: str, data: bytes, media_type: str, **kw: object) -> None:
        from tests.support.images import sha256
        for key in (ref, sha256(data)):
            self.routes[f"/v2/{repo}/manifests/{key}"] = Response(data, media_type, **kw)  # type: ignore[arg-type]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                      chunked: bool = False) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(body), 65536):
                        piece = body[i:i + 65536]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _token(self) -> None:
                fake.token_requests.append(self.path)
                if fake.token_user:
                    want = "Basic " + base64.b64encode(":".join(fake.token_user).encode()).decode()
                    if self.headers.get("Authorization") != want:
                        return self._send(401, b"{}")
                self._send(200, json.dumps({"token": "tok-123"}).encode(), {"Content-Type": "application/json"})

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(("GET", self.path, dict(self.headers)))
                if self.path.startswith("/token"):
                    return self._token()
                if fake.bearer and self.headers.get("Authorization") != "Bearer tok-123":
                    realm = f"http://{fake.host}/token"
                    return self._send(401, b"{}", {"WWW-Authenticate":
                                                   f'Bearer realm="{realm}",service="fake",scope="x"'})
                if fake.fail_first.get(self.path, 0) > 0:
                    fake.fail_first[self.path] -= 1
                    return self._send(503, b"busy")
                if self.path == "/v2/":
                    return self._send(200, b"{}")
                resp = fake.routes.get(self.path)
                if resp is None:
                    return self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
                self._send(200, resp.body, {"Content-Type": resp.content_type, **resp.headers}, resp.chunked)

            do_HEAD = do_GET

        return Handler
