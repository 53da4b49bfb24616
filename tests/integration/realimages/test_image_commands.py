"""Each real image's own command does its job, and its own HEALTHCHECK passes against it: redis answers PING on
6379 on every interface (protected mode off) and keeps its data in /data; nginx serves its default page, logs the
request to the container's stdout and stops gracefully on its STOPSIGNAL; python3 reads a script from stdin.
Probes run as second containers sharing the server's loopback-only network namespace."""

from __future__ import annotations

import pytest

from tests.support.eventually import eventually
from tests.support.realimages import NGINX_REF, PYTHON_REF, REDIS_REF

pytestmark = pytest.mark.root


def healthcheck_argv(runner, ref: str) -> tuple[str, ...]:
    kind, *argv = runner.config(ref)["Healthcheck"]["Test"]
    return tuple(argv) if kind == "CMD" else ("sh", "-c", argv[0])


def passes(runner, ref: str, argv: tuple[str, ...]) -> bool:
    return runner.run(ref, *argv, timeout=30).code == 0


def test_redis_command_answers_its_healthcheck_and_keeps_data_in_workdir(lan):
    server, log = lan.start(REDIS_REF)
    check = healthcheck_argv(lan, REDIS_REF)
    eventually(lambda: passes(lan, REDIS_REF, check), timeout=30)
    assert lan.run(REDIS_REF, *check).out == "PONG\n"
    assert lan.run(REDIS_REF, "redis-cli", "CONFIG", "GET", "protected-mode").out.split() == ["protected-mode", "no"]
    assert lan.run(REDIS_REF, "redis-cli", "CONFIG", "GET", "dir").out.split() == ["dir", "/data"]
    assert server.exit_code is None and "Ready to accept connections" in log.read_text()


def test_redis_entrypoint_turns_protected_mode_off_for_a_custom_command(lan):
    lan.start(REDIS_REF, "docker-entrypoint.sh", "redis-server", "--appendonly", "yes")
    eventually(lambda: passes(lan, REDIS_REF, ("redis-cli", "ping")), timeout=30)
    config = lan.run(REDIS_REF, "redis-cli", "CONFIG", "GET", "protected-mode", "appendonly").out.split()
    assert dict(zip(config[::2], config[1::2])) == {"protected-mode": "no", "appendonly": "yes"}


def test_nginx_command_serves_passes_its_healthcheck_logs_to_stdout_and_quits_on_stopsignal(lan):
    server, log = lan.start(NGINX_REF)
    eventually(lambda: passes(lan, NGINX_REF, healthcheck_argv(lan, NGINX_REF)), timeout=30)
    page = lan.run(NGINX_REF, "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1/")
    assert "Welcome to nginx!" in page.out
    eventually(lambda: '"GET / HTTP/1.1" 200' in log.read_text(), timeout=10)
    assert server.stop() == 0  # SIGQUIT: graceful shutdown, clean exit


def test_python_command_runs_a_script_from_stdin(images, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import os\nprint('hello from', os.getcwd(), os.environ['LANG'])\n")
    proc, log = images.start(PYTHON_REF, stdin=script)
    assert proc.wait(60) == 0
    assert log.read_text() == "hello from / C.UTF-8\n"
