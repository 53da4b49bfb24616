"""Each real image's filesystem has what its name promises, checked by running it with dockyard's launcher:
a Debian bookworm minbase system, slimmed (no docs, man pages, locales or apt lists), and on top of it python3,
redis-server + redis-cli, or an nginx whose default config passes ``nginx -t`` and logs to stdout/stderr."""

from __future__ import annotations

import pytest

from tests.support.realimages import DEBIAN_REF, NGINX_REF, PYTHON_REF, REAL_IMAGE_REFS, REDIS_REF

pytestmark = pytest.mark.root


def test_debian_image_is_bookworm_with_apt_and_bash(images):
    probe = images.run(DEBIAN_REF, "bash", "-c", "cat /etc/debian_version; command -v apt-get dpkg")
    assert probe.code == 0, probe.err
    version, *tools = probe.out.split()
    assert version.startswith("12.")
    assert tools == ["/usr/bin/apt-get", "/usr/bin/dpkg"]


@pytest.mark.parametrize("ref", REAL_IMAGE_REFS)
def test_image_is_slim_no_docs_manpages_locales_or_apt_lists(images, ref):
    script = ("find /usr/share/doc -type f ! -name copyright | wc -l; "
              "find /usr/share/man /usr/share/locale /usr/share/info -type f 2>/dev/null | wc -l; "
              "ls /var/lib/apt/lists; ls /var/cache/apt/archives | grep -c '[.]deb$'")
    probe = images.run(ref, "sh", "-c", script)
    assert probe.out.split() == ["0", "0", "partial", "0"]


@pytest.mark.parametrize("ref", REAL_IMAGE_REFS)
def test_image_carries_no_host_resolver_or_hostname(images, ref):
    layer = images.service.rootfs_layers(ref)[-1]
    assert (layer / "etc/resolv.conf").read_text() == ""
    assert (layer / "etc/hostname").read_text() == ""


def test_python_image_runs_python3_with_the_redis_client(images):
    probe = images.run(PYTHON_REF, "python3", "-c",
                       "import sys, redis, urllib.request; print(sys.version_info[:2], redis.__name__)")
    assert probe.code == 0, probe.err
    assert probe.out == "(3, 11) redis\n"


def test_redis_image_has_redis_server_7_and_redis_cli(images):
    server = images.run(REDIS_REF, "redis-server", "--version")
    cli = images.run(REDIS_REF, "redis-cli", "--version")
    assert server.code == 0 and " v=7." in server.out
    assert cli.code == 0 and cli.out.startswith("redis-cli 7.")


def test_nginx_default_config_passes_nginx_t(images):
    probe = images.run(NGINX_REF, "nginx", "-t")
    assert probe.code == 0, probe.err
    assert "syntax is ok" in probe.err and "test is successful" in probe.err


def test_nginx_config_includes_conf_d_only_and_logs_to_stdio(images):
    probe = images.run(NGINX_REF, "sh", "-c", "nginx -T 2>/dev/null | grep '^# configuration file'; "
                       "readlink /var/log/nginx/access.log /var/log/nginx/error.log; ls /etc/nginx/sites-enabled")
    assert probe.code == 0, probe.err
    files = [line.split()[-1].rstrip(":") for line in probe.out.splitlines() if line.startswith("#")]
    assert "/etc/nginx/conf.d/default.conf" in files
    assert not [f for f in files if "sites-enabled" in f]
    assert probe.out.splitlines()[-2:] == ["/dev/stdout", "/dev/stderr"]


def test_nginx_image_has_a_wget_for_its_healthcheck(images):
    probe = images.run(NGINX_REF, "busybox", "wget", "--help")
    assert "--spider" in probe.err
