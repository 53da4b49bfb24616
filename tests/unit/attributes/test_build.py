"""services.*.build: string or map -> Build with absolute context and default Dockerfile."""

from __future__ import annotations

from tests.support.compose_model import canonical_service_of, one_service


def test_string_is_the_context():
    assert canonical_service_of("build: ./app")["build"] == {"context": "./app"}


def test_context_absolute_and_dockerfile_defaults():
    build = one_service("build: ./app").build
    assert (build.context, build.dockerfile) == ("/project/app", "Dockerfile")


def test_empty_build_means_project_dir():
    build = one_service("build: {}").build
    assert (build.context, build.dockerfile) == ("/project", "Dockerfile")


def test_dockerfile_stays_relative_to_the_context_like_compose_config():
    build = one_service("build: {context: app, dockerfile: docker/Dockerfile.dev}").build
    assert (build.context, build.dockerfile) == ("/project/app", "docker/Dockerfile.dev")


def test_remote_context_is_left_alone():
    build = one_service("build: https://github.com/docker/rootfs.git#main").build
    assert build.context == "https://github.com/docker/rootfs.git#main"


def test_args_list_to_map_and_bare_args_from_environment_or_dropped():
    build = one_service("build: {context: ., args: [A=1, FOO, ZOT]}", environ={"FOO": "BAR"}).build
    assert dict(build.args) == {"A": "1", "FOO": "BAR"}


def test_inline_dockerfile_gets_no_default_dockerfile():
    build = one_service("build: {context: ., dockerfile_inline: 'FROM scratch'}").build
    assert (build.dockerfile, build.dockerfile_inline) == (None, "FROM scratch")


def test_labels_target_shm_size_and_unknown_fields_kept_in_extra():
    build = one_service(
        """
        build:
          context: .
          target: prod
          labels: [a=b]
          shm_size: 2g
          ssh: [default]
        """
    ).build
    assert (build.target, dict(build.labels), build.shm_size) == ("prod", {"a": "b"}, 2 * 1024**3)
    assert build.extra["ssh"] == ["default"]
