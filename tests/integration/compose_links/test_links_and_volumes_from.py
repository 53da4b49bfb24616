"""Through ``dockyard up``: a service reaches another by its ``links`` alias (which only it resolves, as with
Docker's links), and sees a file the other wrote in its volume through ``volumes_from`` (read-only with ``:ro``)."""

from __future__ import annotations

import pytest

from tests.support.cli_run import dockyard
from tests.support.eventually import eventually

pytestmark = pytest.mark.root

STACK = """
services:
  db:
    image: dybox:latest
    volumes: [data:/data]
    command: ["sh", "-c", "echo from-db > /data/f; while :; do echo hello-db | nc -l -p 7000; done"]
  app:
    image: dybox:latest
    links: ["db:linkeddb"]
    volumes_from: ["db:ro"]
    command:
      - sh
      - -c
      - >-
        until [ -s /data/f ]; do sleep 0.1; done; cat /data/f;
        touch /data/mine 2>/dev/null || echo read-only;
        for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do nc -w 2 linkeddb 7000 && exit 0; sleep 0.3; done; exit 1
  other:
    image: dybox:latest
    command:
      - sh
      - -c
      - >-
        until nslookup db >/dev/null 2>&1; do sleep 0.1; done; echo db-resolves;
        nslookup linkeddb >/dev/null 2>&1 && echo linkeddb-resolves || echo linkeddb-unknown
volumes:
  data: {}
"""


def test_link_alias_and_volumes_from_work_through_up(project):
    (project / "compose.yaml").write_text(STACK)
    up = dockyard("up", "-d", cwd=project)
    assert up.returncode == 0, up.stderr

    def app_done() -> str:
        ps = dockyard("ps", "-a", "--format", "json", "app", cwd=project).stdout
        assert '"exited"' in ps, ps
        return dockyard("logs", "--no-log-prefix", "app", cwd=project).stdout

    logs = eventually(app_done, timeout=40)
    assert logs.split() == ["from-db", "read-only", "hello-db"]

    def other_done() -> str:
        ps = dockyard("ps", "-a", "--format", "json", "other", cwd=project).stdout
        assert '"exited"' in ps, ps
        return dockyard("logs", "--no-log-prefix", "other", cwd=project).stdout

    assert eventually(other_done, timeout=40).split() == ["db-resolves", "linkeddb-unknown"]
