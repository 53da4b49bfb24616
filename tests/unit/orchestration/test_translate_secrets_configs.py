"""File-based secrets and configs are bind-mounted read-only where the container expects them (docker compose's
non-Swarm behaviour): secrets under /run/secrets/<name>, configs at /<name>, or at their `target`. Those defined by
``content`` or ``environment`` become files with that content (mode 0444, root's, unless the reference says)."""

import textwrap

import pytest

from compose.errors import ComposeError
from compose.translate import container_spec
from runtime import FileSpec
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


def _files(text: str, environ: dict | None = None):
    proj = load_project(textwrap.dedent(text), environ)
    return container_spec(proj, proj.services["web"], 1).files


def test_secrets_from_the_environment_and_configs_with_content_become_files():
    files = _files(
        """
        services:
          web:
            image: busybox
            secrets: [token, {source: token, target: /etc/token, uid: "103", gid: "104", mode: 0o400}]
            configs: [motd, {source: motd, target: site.conf}]
        secrets:
          token: {environment: TOKEN}
        configs:
          motd: {content: "hello world"}
        """,
        {"TOKEN": "s3cret"},
    )
    assert files == (
        FileSpec("/run/secrets/token", "s3cret"),
        FileSpec("/etc/token", "s3cret", 0o400, 103, 104),
        FileSpec("/motd", "hello world"),
        FileSpec("/site.conf", "hello world"),
    )


def test_file_based_ones_stay_binds_and_are_not_files():
    text = """
        services:
          web: {image: busybox, secrets: [token], configs: [conf]}
        secrets:
          token: {file: /srv/token.txt}
        configs:
          conf: {environment: CONF}
    """
    assert _files(text, {"CONF": "x"}) == (FileSpec("/conf", "x"),)
    assert "/run/secrets/token" in _mounts(text.replace("environment: CONF", "file: /srv/conf"))


def test_a_secret_from_an_unset_variable_is_an_error_that_names_it():
    with pytest.raises(ComposeError, match="secret 'token' takes its content from the environment variable TOKEN"):
        _files(
            """
            services:
              web: {image: busybox, secrets: [token]}
            secrets:
              token: {environment: TOKEN}
            """
        )


def test_an_owner_that_is_not_a_number_is_an_error():
    with pytest.raises(ComposeError, match="uid 'www' of 'motd' is not a number"):
        _files(
            """
            services:
              web: {image: busybox, configs: [{source: motd, uid: www}]}
            configs:
              motd: {content: hi}
            """
        )
