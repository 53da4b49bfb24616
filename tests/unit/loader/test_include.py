"""Top-level ``include``: other projects' resources pulled in, each loaded with its own directory and env."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compose.errors import LoadError
from compose.loader.options import LoadOptions
from compose.loader.pipeline import load_dict


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path: Path, environ: dict | None = None, stop_after: str = "profiles") -> dict:
    options = LoadOptions(working_dir=tmp_path, environ=environ or {"HOME": "/root"})
    return load_dict(options, stop_after=stop_after).data


def test_included_services_join_the_project_and_include_disappears(tmp_path):
    write(tmp_path / "compose.yaml", "include: [sub/compose.yaml]\nservices:\n  web: {image: web}\n")
    write(tmp_path / "sub/compose.yaml", "services:\n  db: {image: pg}\nvolumes:\n  data: {}\n")
    data = load(tmp_path)
    assert "include" not in data
    assert data["services"] == {"web": {"image": "web"}, "db": {"image": "pg"}}
    assert data["volumes"] == {"data": {}}


def test_included_relative_paths_are_resolved_in_the_included_project(tmp_path):
    write(tmp_path / "compose.yaml", "include:\n  - path: ./sub/compose.yaml\n")
    write(tmp_path / "sub/compose.yaml", """
        services:
          app:
            build: ./app
            env_file: app.env
            volumes: ['./data:/data', 'named:/named']
        secrets:
          token: {file: ./token.txt}
    """)
    data = load(tmp_path)
    sub = tmp_path / "sub"
    app = data["services"]["app"]
    assert app["build"] == str(sub / "app")
    assert app["env_file"] == str(sub / "app.env")
    assert app["volumes"] == [f"{sub}/data:/data", "named:/named"]
    assert data["secrets"]["token"]["file"] == str(sub / "token.txt")


def test_the_included_project_reads_its_own_dotenv_under_the_including_environment(tmp_path):
    write(tmp_path / "compose.yaml", "include: [sub/compose.yaml]\n")
    write(tmp_path / "sub/compose.yaml", "services:\n  a: {image: 'img:${TAG}', user: '${WHO}'}\n")
    write(tmp_path / "sub/.env", "TAG=from-sub\nWHO=sub-user\n")
    data = load(tmp_path, {"WHO": "shell-user"})
    assert data["services"]["a"] == {"image": "img:from-sub", "user": "shell-user"}


def test_env_file_and_project_directory_of_an_entry(tmp_path):
    write(tmp_path / "compose.yaml", """
        include:
          - path: [module/compose.yml, module/more.yml]
            project_directory: module
            env_file: ./custom.env
    """)
    write(tmp_path / "custom.env", "VAR_NAME=value\n")
    write(tmp_path / "module/compose.yml",
          'services:\n  b: {image: alpine, environment: ["X=${VAR_NAME}"], build: .}\n')
    write(tmp_path / "module/more.yml", "services:\n  b: {environment: [Y=2]}\n")
    data = load(tmp_path)
    assert data["services"]["b"]["environment"] == ["X=value", "Y=2"]
    assert data["services"]["b"]["build"] == str(tmp_path / "module")


def test_a_local_definition_is_merged_over_the_included_one(tmp_path):
    write(tmp_path / "compose.yaml", """
        include: [inc.yaml]
        services:
          bar:
            image: busybox
            environment: !override [ZOT=QIX]
    """)
    write(tmp_path / "inc.yaml", "services:\n  bar: {image: bar, environment: [FOO=BAR], user: nobody}\n")
    data = load(tmp_path)
    assert data["services"]["bar"] == {"image": "busybox", "environment": ["ZOT=QIX"], "user": "nobody"}


def test_the_same_resource_included_twice_identically_is_fine(tmp_path):
    write(tmp_path / "compose.yaml", "include: [a.yaml, b.yaml]\n")
    write(tmp_path / "a.yaml", "include: [common.yaml]\nservices:\n  a: {image: a}\n")
    write(tmp_path / "b.yaml", "include: [common.yaml]\nservices:\n  b: {image: b}\n")
    write(tmp_path / "common.yaml", "services:\n  shared: {image: s}\n")
    assert sorted(load(tmp_path)["services"]) == ["a", "b", "shared"]


def test_two_included_files_defining_one_service_differently_conflict(tmp_path):
    write(tmp_path / "compose.yaml", "include: [a.yaml, b.yaml]\n")
    write(tmp_path / "a.yaml", "services:\n  db: {image: postgres}\n")
    write(tmp_path / "b.yaml", "services:\n  db: {image: mysql}\n")
    with pytest.raises(LoadError, match="services.db conflicts with imported resource"):
        load(tmp_path)


def test_an_include_cycle_is_detected(tmp_path):
    write(tmp_path / "compose.yaml", "include: [a.yaml]\nservices:\n  x: {image: x}\n")
    write(tmp_path / "a.yaml", "include: [b.yaml]\n")
    write(tmp_path / "b.yaml", "include: [a.yaml]\n")
    with pytest.raises(LoadError) as err:
        load(tmp_path)
    assert err.value.message.startswith("include cycle detected")
    assert "a.yaml" in err.value.message and "b.yaml" in err.value.message


def test_a_file_including_itself_is_a_cycle(tmp_path):
    write(tmp_path / "compose.yaml", "include: [compose.yaml]\nservices:\n  x: {image: x}\n")
    with pytest.raises(LoadError, match="include cycle detected"):
        load(tmp_path)


def test_a_missing_included_file_is_named(tmp_path):
    write(tmp_path / "compose.yaml", "include: [nope.yaml]\n")
    with pytest.raises(LoadError, match="nope.yaml"):
        load(tmp_path)


def test_a_missing_env_file_of_an_entry_is_an_error(tmp_path):
    write(tmp_path / "compose.yaml", "include:\n  - path: a.yaml\n    env_file: missing.env\n")
    write(tmp_path / "a.yaml", "services:\n  a: {image: a}\n")
    with pytest.raises(LoadError, match="missing.env"):
        load(tmp_path)


def test_extends_inside_an_included_file_is_relative_to_its_project_directory(tmp_path):
    write(tmp_path / "compose.yaml", "include:\n  - project_directory: .\n    path: dir/included.yaml\n")
    write(tmp_path / "dir/included.yaml",
          "services:\n  included:\n    extends: {file: dir/extended.yaml, service: extended}\n")
    write(tmp_path / "dir/extended.yaml", "services:\n  extended: {image: alpine}\n")
    assert load(tmp_path)["services"] == {"included": {"image": "alpine"}}


# compose-go's own include fixtures.
from tests.support.paths import corpus_dir  # noqa: E402

FIXTURES = corpus_dir() / "compose-go" / "loader" / "testdata"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="compose-go testdata not in the corpus")


def load_fixture(path: Path) -> dict:
    options = LoadOptions(working_dir=path.parent, files=(str(path),), environ={"HOME": "/root"}, project_name="t")
    return load_dict(options, stop_after="profiles").data


@needs_fixtures
def test_fixture_included_paths_are_relative_to_the_included_file():
    data = load_fixture(FIXTURES / "include" / "compose.yaml")
    here = FIXTURES / "include"
    assert data["services"]["included"] == {"build": str(here), "volumes": [f"{here}:/mnt"]}


@needs_fixtures
def test_fixture_project_directory_of_an_include_entry():
    data = load_fixture(FIXTURES / "include" / "project-directory.yaml")
    service = data["services"]["service"]
    subdir = FIXTURES / "subdir"
    assert service["build"]["context"] == str(subdir)
    assert service["volumes"][0]["source"] == str(subdir / "compose-test-extends-imported.yaml")
    assert service["env_file"] == [str(subdir / "extra.env")]


@needs_fixtures
def test_fixture_include_cycle():
    with pytest.raises(LoadError, match="include cycle detected"):
        load_fixture(FIXTURES / "compose-include-cycle.yaml")
