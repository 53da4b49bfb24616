"""services.*.devices: HOST[:CONTAINER[:PERMISSIONS]] -> Device."""

from __future__ import annotations

from compose.model import Device
from tests.support.compose_model import canonical_service_of, one_service


def test_short_forms():
    web = one_service("devices: [/dev/fuse, '/dev/sda:/dev/xvda', '/dev/tty0:/dev/tty0:r']")
    assert web.devices == (
        Device("/dev/fuse", "/dev/fuse", "rwm"),
        Device("/dev/sda", "/dev/xvda", "rwm"),
        Device("/dev/tty0", "/dev/tty0", "r"),
    )


def test_canonical_long_form():
    assert canonical_service_of("devices: ['/dev/sda:/dev/xvda']")["devices"] == [
        {"source": "/dev/sda", "target": "/dev/xvda", "permissions": "rwm"}
    ]
