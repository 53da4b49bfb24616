"""A service's `build:` section becomes one runtime BuildRequest (pure: no runtime, no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compose import build as B
from compose.errors import ImageBuildError
from tests.support.orchestration import stack

NO_OPTS = B.BuildOptions()


def request(text: str, service: str = "app", opts: B.BuildOptions = NO_OPTS, environ: dict | None = None):
    project = stack(text)
    return B.build_request(project, project.services[service], opts, environ or {})


def test_inline_dockerfile_target_network_and_shm_size_pass_through():
    req = request("""
        services:
          app:
            build:
              context: /src
              dockerfile_inline: "FROM scratch\\n"
              target: prod
              network: host
              shm_size: 64m
    """)
    assert req.context_dir == Path("/src") and req.dockerfile is None
    assert req.dockerfile_inline == "FROM scratch\n"
    assert (req.target, req.network, req.shm_size) == ("prod", "host", 64 * 1024 * 1024)


def test_the_image_name_is_project_dash_service_unless_image_is_set():
    assert request("services: {app: {build: /src}}").tags == ("p-app",)
    assert request("services: {app: {build: /src, image: 'reg/app:1'}}").tags == ("reg/app:1",)


def test_build_extra_hosts_in_list_and_mapping_form():
    assert B.extra_hosts(["db:10.0.0.2", "cache=10.0.0.3"]) == (("db", "10.0.0.2"), ("cache", "10.0.0.3"))
    assert B.extra_hosts({"db": ["10.0.0.2", "10.0.0.4"]}) == (("db", "10.0.0.2"), ("db", "10.0.0.4"))


def test_a_remote_context_is_refused_offline():
    with pytest.raises(ImageBuildError, match="remote build context .* cannot be fetched offline"):
        request("services: {app: {build: 'https://github.com/example/app.git'}}")


def test_a_single_platform_is_passed_on():
    assert request("services: {app: {build: {context: /src, platforms: [linux/amd64]}}}").platform == "linux/amd64"


def test_only_services_with_build_are_buildable_and_unknown_names_are_refused():
    project = stack("services: {app: {build: /src}, db: {image: postgres}}")
    assert B.buildable(project) == ("app",)
    with pytest.raises(ImageBuildError, match="no such service: nope"):
        B.buildable(project, ("nope",))


def test_service_contexts_order_the_builds():
    project = stack("""
        services:
          app: {build: {context: /a, additional_contexts: {base: "service:base"}}}
          base: {build: {context: /b, additional_contexts: {tools: "service:tools"}}}
          tools: {build: /t}
    """)
    assert B.build_order(project, ("app",)) == ("tools", "base", "app")
