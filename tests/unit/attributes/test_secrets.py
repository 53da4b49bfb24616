"""services.*.secrets / configs and the top-level definitions -> FileRef / Secret."""

from __future__ import annotations

import pytest

from compose.errors import ConsistencyError
from compose.model import FileRef
from tests.support.compose_model import canonical_service_of, project


def test_short_reference_becomes_source():
    assert canonical_service_of("secrets: [token]")["secrets"] == [{"source": "token"}]


def test_long_reference_and_octal_mode_string():
    p = project(
        """
        services:
          web:
            image: x
            secrets: [{source: token, target: /run/t, uid: 103, mode: "0440"}]
            configs: [app]
        secrets: {token: {file: ./token.txt}}
        configs: {app: {environment: APP_CONFIG}}
        """
    )
    web = p.services["web"]
    assert web.secrets == (FileRef("token", "/run/t", uid="103", mode=0o440),)
    assert web.configs == (FileRef("app"),)
    assert p.secrets["token"].file == "/project/token.txt"
    assert p.secrets["token"].name == "test_token"
    assert p.configs["app"].environment == "APP_CONFIG"


def test_undeclared_secret_is_a_consistency_error():
    with pytest.raises(ConsistencyError, match=r"services.web.secrets\[0\]: .*undefined secret 'nope'"):
        project("services: {web: {image: x, secrets: [nope]}}")
