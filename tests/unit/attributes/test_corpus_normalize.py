"""compose-go's normalize test pairs (corpus): our canonical + normalize output equals their expected project.

Differences that are ours by design are applied to the expectation explicitly: build contexts are absolute
(compose-go's unit test skips path resolution) and maps stay maps (environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compose.loader.canonical import canonicalize
from compose.loader.normalize import normalize
from tests.support.compose_model import PROJECT_DIR, compose_go_inline

ENV = {"FOO": "BAR", "BAR": "bar", "HOME": "/home/user"}


def run(data: dict[str, Any], environ: dict[str, str] = ENV) -> dict[str, Any]:
    return normalize(canonicalize(data), project_name="myProject", project_dir=PROJECT_DIR, environ=environ)


def pair(test: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        compose_go_inline("normalize_test.go", test, "project"),
        compose_go_inline("normalize_test.go", test, "expected"),
    )


@pytest.mark.parametrize(
    "test", ["TestNormalizeDefaultNetwork", "TestNormalizeCustomNetwork", "TestNormalizeDependsOn"]
)
def test_output_equals_compose_go_expected(test):
    given, expected = pair(test)
    assert run(given) == expected


def test_volume_names():
    given, expected = pair("TestNormalizeVolumes")
    out = run(given)
    assert out.pop("services") == {}
    assert out == expected


def test_network_names_and_build_args():
    given, expected = pair("TestNormalizeNetworkNames")
    expected["services"]["foo"]["build"]["context"] = str(PROJECT_DIR / "testdata")
    assert run(given) == expected


def test_implicit_build_context():
    given, expected = pair("TestImplicitContextPath")
    expected["services"]["test"]["build"]["context"] = str(PROJECT_DIR)
    assert run(given) == expected


def test_environment_resolution():
    given, expected = pair("TestNormalizeEnvironment")
    environ = {"BAR": "bar"}
    assert run(given, environ)["services"]["test"]["environment"] == {"FOO": None, "BAR": "bar", "ZOT": "QIX"}
    assert run(expected, environ) == run(given, environ)


def test_implicit_dependencies():
    given, expected = pair("TestNormalizeImplicitDependencies")
    assert run(given) == run(expected)
    deps = run(given)["services"]["test"]["depends_on"]
    assert deps["foo"] == {"condition": "service_healthy", "required": True}
    assert deps["quux"]["restart"] is False and deps["corge"]["restart"] is True


@pytest.mark.parametrize(
    "test",
    ["TestNormalizeDefaultNetwork", "TestNormalizeCustomNetwork", "TestNormalizeDependsOn", "TestNormalizeVolumes"],
)
def test_normalize_is_idempotent(test):
    given, _ = pair(test)
    once = run(given)
    assert run(once) == once


def test_project_dir_is_only_joined_not_read(tmp_path: Path):
    out = normalize(
        canonicalize({"services": {"a": {"build": "missing/dir"}}}),
        project_name="p",
        project_dir=tmp_path,
        environ={},
    )
    assert out["services"]["a"]["build"]["context"] == str(tmp_path / "missing" / "dir")


def _corpus_files(pattern: str) -> list[Path]:
    from tests.support.paths import corpus_dir

    return sorted(corpus_dir().glob(pattern))


def _plain_compose(path: Path) -> dict[str, Any] | None:
    """The document when it needs no other loader stage (no variables, extends or include), else None."""
    import yaml

    text = path.read_text()
    if "${" in text or "extends" in text or "include:" in text:
        return None
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) and isinstance(data.get("services"), dict) else None


AWESOME = [p for p in _corpus_files("awesome-compose/*/compose.y*ml") if _plain_compose(p) is not None]


@pytest.mark.parametrize("path", AWESOME, ids=lambda p: p.parent.name)
def test_awesome_compose_stacks_bind_and_order(path: Path):
    from compose.graph import ServiceGraph
    from compose.loader.bind import bind

    data = _plain_compose(path)
    project = bind(normalize(canonicalize(data), project_name="demo", project_dir=path.parent, environ={}))
    generations = ServiceGraph.from_project(project).generations()
    assert set().union(*generations) == set(project.services)


ATTRIBUTE_FIXTURES = _corpus_files("compose-go/_inline/loader/tests/*/*load_arg1.yaml")


@pytest.mark.parametrize("path", ATTRIBUTE_FIXTURES, ids=lambda p: p.name)
def test_compose_go_attribute_fixtures_bind_or_fail_with_a_compose_error(path: Path):
    from compose.errors import ComposeError
    from compose.loader.bind import bind

    data = _plain_compose(path)
    if data is None:
        pytest.skip("needs interpolation, extends or include")
    try:
        project = bind(normalize(canonicalize(data), project_name="test", project_dir=PROJECT_DIR, environ={}))
    except ComposeError as exc:
        assert exc.path, "every loader error names a YAML path"
        return
    assert set(project.services) == set(data["services"])


def _substitute(value: Any, variables: dict[str, str]) -> Any:
    """What the interpolation stage hands on: every ``$x``/``${x}`` replaced, results always strings."""
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, str):
        for name, text in variables.items():
            value = value.replace("${" + name + "}", text).replace("$" + name, text)
    return value


def test_interpolated_strings_are_cast_like_compose_go():
    data = _substitute(
        compose_go_inline("loader_test.go", "TestLoadWithInterpolationCastFull", "dict"),
        {"theint": "555", "thefloat": "3.14", "thebool": "true", "thesize": "2gb", "theduration": "1m30s"},
    )
    from compose.loader.bind import bind

    project = bind(normalize(canonicalize(data), project_name="p", project_dir=PROJECT_DIR, environ={}))
    web = project.services["web"]
    assert web.healthcheck.retries == 555 and web.healthcheck.disable is True
    assert web.deploy.replicas == 555
    assert web.deploy.extra["update_config"] == {"parallelism": 555, "max_failure_ratio": 3.14}
    assert web.deploy.restart_policy.max_attempts == 555
    assert [(p.target, p.published) for p in web.ports] == [(555, None), (34567, None), (555, "555")]
    assert {u.name: (u.soft, u.hard) for u in web.ulimits} == {"nproc": (555, 555), "nofile": (555, 555)}
    assert (web.privileged, web.read_only, web.stdin_open, web.tty) == (True, True, True, True)
    assert (web.shm_size, web.stop_grace_period) == (2 * 1024**3, 90.0)
    assert web.mounts[0].read_only is True and web.mounts[0].volume.nocopy is True
    assert web.secrets[0].mode == 0o555 and web.configs[0].mode == 0o555
    assert project.volumes["data"].external and project.networks["front"].internal
