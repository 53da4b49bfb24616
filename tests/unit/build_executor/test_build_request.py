"""Build options checked before anything runs: platform, network, the Dockerfile's location; the failure
message of a step."""

from __future__ import annotations

import pytest

from runtime.build import BuildError, BuildRequest
from runtime.build.builder import check_platform, network_mode, read_dockerfile
from runtime.build.errors import step_failed
from runtime.images.platform import host_platform


def test_only_the_host_platform_can_be_built():
    assert check_platform(None) == str(host_platform())
    assert check_platform(str(host_platform())) == str(host_platform())
    other = "linux/arm64" if host_platform().architecture != "arm64" else "linux/amd64"
    with pytest.raises(BuildError, match=f"platform {other}: dockyard builds for the host platform"):
        check_platform(other)


@pytest.mark.parametrize("given,mode", [(None, "none"), ("none", "none"), ("default", "none"), ("host", "host")])
def test_network_is_none_unless_host(given, mode):
    assert network_mode(given) == mode


def test_other_networks_are_refused():
    with pytest.raises(BuildError, match="build network 'mynet' is not supported"):
        network_mode("mynet")


def test_dockerfile_is_relative_to_the_context_or_inline(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Build.df").write_text("FROM scratch\n")
    assert read_dockerfile(BuildRequest(tmp_path, dockerfile=tmp_path / "sub" / "Build.df"))[0] == "FROM scratch\n"
    text, path = read_dockerfile(BuildRequest(tmp_path, dockerfile="sub/Build.df"))  # type: ignore[arg-type]
    assert (text, path) == ("FROM scratch\n", tmp_path / "sub" / "Build.df")
    assert read_dockerfile(BuildRequest(tmp_path, dockerfile_inline="FROM x\n")) == ("FROM x\n", None)


def test_missing_dockerfile_names_the_path(tmp_path):
    with pytest.raises(BuildError, match=f"Dockerfile {tmp_path}/Dockerfile not found"):
        read_dockerfile(BuildRequest(tmp_path))


def test_step_failure_names_line_command_code_and_output():
    err = step_failed("Dockerfile", 7, "RUN make", 2, ("cc -c x.c", "x.c:1: error"))
    assert str(err).splitlines()[:3] == ["Dockerfile:7: RUN make: exit code 2; last output:", "  | cc -c x.c",
                                         "  | x.c:1: error"]
    assert (err.line, err.command, err.exit_code) == (7, "RUN make", 2)
