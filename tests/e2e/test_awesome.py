"""awesome-compose stacks (read from the shared corpus, never copied) run unchanged but for their image names,
with images built here from Debian packages; see tests/e2e/awesome/README.md for which ones run and why."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest

from tests.e2e.awesome.images import ensure_awesome_images
from tests.support.e2e import http_get, ps_json
from tests.support.eventually import eventually
from tests.support.paths import REPO, corpus_dir

AWESOME = corpus_dir() / "awesome-compose"
OVERRIDES = REPO / "tests" / "e2e" / "awesome"


@dataclass(frozen=True)
class Stack:
    name: str
    url: str
    expect: tuple[str, ...]  # every GET shows these
    port: int

    @property
    def files(self) -> tuple[str, ...]:
        return ("-f", str(AWESOME / self.name / "compose.yaml"), "-f", str(OVERRIDES / f"{self.name}.override.yaml"))

    @property
    def project(self) -> tuple[str, ...]:
        return ("-p", f"awesome-{self.name}")


STACKS = [
    Stack("flask-redis", "http://127.0.0.1:8000/", ("This webpage has been viewed",), 8000),
    Stack("apache-php", "http://127.0.0.1:80/", ("<h1>Hello World!</h1>",), 80),
]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def awesome_images(e2e_env):
    ensure_awesome_images(e2e_env.root)


@pytest.mark.parametrize("stack", STACKS, ids=lambda s: s.name)
def test_awesome_stack_serves(stack: Stack, dockyard, awesome_images):
    """An awesome-compose stack comes up with only its image names overridden, serves its page on its
    published port, and comes down cleanly."""
    if not (AWESOME / stack.name / "compose.yaml").is_file():
        pytest.skip(f"corpus has no awesome-compose/{stack.name}")
    if not _port_free(stack.port):
        pytest.skip(f"port {stack.port} (published by the stack) is in use on this host")
    try:
        dockyard(*stack.files, *stack.project, "config", "-q")
        dockyard(*stack.files, *stack.project, "up", "-d", "--no-build")
        body = eventually(lambda: http_get(stack.url), timeout=60)
        assert all(text in body for text in stack.expect), body
        down = dockyard(*stack.project, "down", "-v", "-t", "2", check=False)
        assert down.returncode == 0, down.stdout + down.stderr
        assert dockyard(*stack.project, "ps", "-a", "-q").stdout.strip() == ""
    finally:
        if dockyard(*stack.project, "down", "-v", "-t", "2", check=False).returncode != 0:
            for row in ps_json(dockyard(*stack.project, "ps", "-a", "--format", "json", check=False).stdout):
                dockyard("container", "rm", "-f", row["Name"], check=False)
            dockyard(*stack.project, "down", "-v", check=False)
