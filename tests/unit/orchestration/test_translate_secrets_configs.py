"""File-based secrets and configs are bind-mounted read-only where the container expects them (docker compose's
non-Swarm behaviour): secrets under /run/secrets/<name>, configs at /<name>, or at their `target`."""

import textwrap

from compose.translate import container_spec
from tests.support.compose_model import project as load_project


def _mounts(text: str):
    proj = load_project(textwrap.dedent(text))
    return {m.target: m for m in container_spec(proj, proj.services["web"], 1).mounts}


def test_secret_files_land_under_run_secrets_read_only():
    mounts = _mounts(
        """
        services:
          web:
            image: busybox
            secrets: [token, {source: token, target: other}]
        secrets:
          token: {file: /srv/token.txt}
        """
    )
    assert mounts["/run/secrets/token"].source == "/srv/token.txt"
    assert mounts["/run/secrets/token"].read_only
    assert mounts["/run/secrets/other"].source == "/srv/token.txt"


def test_config_files_land_at_their_name_or_target():
    mounts = _mounts(
        """
        services:
          web:
            image: busybox
            configs: [app_conf, {source: app_conf, target: /etc/app/app.conf}]
        configs:
          app_conf: {file: /srv/app.conf}
        """
    )
    assert mounts["/app_conf"].source == "/srv/app.conf"
    assert mounts["/etc/app/app.conf"].read_only


def test_secrets_from_the_environment_are_not_mounted():
    mounts = _mounts(
        """
        services:
          web: {image: busybox, secrets: [token]}
        secrets:
          token: {environment: TOKEN}
        """
    )
    assert "/run/secrets/token" not in mounts
