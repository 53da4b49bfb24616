"""Service `devices:` reach the runtime spec as HOST:CONTAINER:PERMS entries."""

import textwrap

from compose.translate import container_spec
from tests.support.compose_model import project as load_project


def test_devices_are_passed_to_the_runtime_as_host_container_permissions():
    proj = load_project(textwrap.dedent(
        """
        services:
          fuse:
            image: busybox
            devices:
              - /dev/fuse:/dev/fuse:rwm
              - /dev/null:/dev/mynull
        """
    ))
    svc = proj.services["fuse"]
    spec = container_spec(proj, svc, 1)
    assert spec.devices == ("/dev/fuse:/dev/fuse:rwm", "/dev/null:/dev/mynull:rwm")
