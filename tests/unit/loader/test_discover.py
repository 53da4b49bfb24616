"""Finding compose files, the project directory and the project name, as Docker Compose v2 does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compose.errors import LoadError, ProjectNotFoundError
from compose.loader.discover import (
    find_compose_files,
    normalize_project_name,
    project_directory,
    project_name,
    resolve_files,
)
from compose.loader.options import LoadOptions


def touch(directory: Path, *names: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text("services: {}\n")


# ----------------------------------------------------------------------------------------------- discovery


@pytest.mark.parametrize("name", ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"])
def test_each_standard_name_is_found(tmp_path, name):
    touch(tmp_path, name)
    assert find_compose_files(tmp_path, {}) == [tmp_path / name]


def test_compose_yaml_is_preferred_and_the_choice_is_warned_about(tmp_path):
    touch(tmp_path, "docker-compose.yml", "compose.yaml")
    warnings: list[str] = []
    assert find_compose_files(tmp_path, {}, warn=warnings.append) == [tmp_path / "compose.yaml"]
    assert len(warnings) == 1 and "compose.yaml" in warnings[0]


def test_the_override_file_is_added(tmp_path):
    touch(tmp_path, "compose.yaml", "compose.override.yaml")
    assert find_compose_files(tmp_path, {}) == [tmp_path / "compose.yaml", tmp_path / "compose.override.yaml"]


def test_override_files_are_taken_in_compose_gos_order(tmp_path):
    touch(tmp_path, "docker-compose.yml", "docker-compose.override.yml", "compose.override.yml")
    assert find_compose_files(tmp_path, {}) == [tmp_path / "docker-compose.yml", tmp_path / "compose.override.yml"]


def test_the_nearest_parent_with_a_file_is_used(tmp_path):
    touch(tmp_path, "compose.yaml")
    touch(tmp_path / "app", "docker-compose.yml")
    deep = tmp_path / "app" / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_compose_files(deep, {}) == [tmp_path / "app" / "docker-compose.yml"]


def test_an_override_file_alone_does_not_stop_the_search(tmp_path):
    touch(tmp_path, "compose.yaml")
    touch(tmp_path / "p", "compose.override.yaml")
    assert find_compose_files(tmp_path / "p", {}) == [tmp_path / "compose.yaml"]


def test_compose_file_variable_replaces_discovery(tmp_path):
    touch(tmp_path, "compose.yaml", "a.yml", "b.yml")
    found = find_compose_files(tmp_path, {"COMPOSE_FILE": f"a.yml{os.pathsep}b.yml"})
    assert found == [tmp_path / "a.yml", tmp_path / "b.yml"]


def test_compose_path_separator(tmp_path):
    found = find_compose_files(tmp_path, {"COMPOSE_FILE": "a.yml,/abs/b.yml", "COMPOSE_PATH_SEPARATOR": ","})
    assert found == [tmp_path / "a.yml", Path("/abs/b.yml")]


# ----------------------------------------------------------------------------------------------- -f and errors


def test_dash_f_replaces_discovery_and_keeps_order(tmp_path):
    touch(tmp_path, "compose.yaml", "one.yml")
    touch(tmp_path / "sub", "two.yml")
    options = LoadOptions(files=("sub/two.yml", "one.yml", "-"), working_dir=tmp_path)
    assert resolve_files(options) == [tmp_path / "sub" / "two.yml", tmp_path / "one.yml", "-"]


def test_a_missing_dash_f_file_is_a_load_error_naming_it(tmp_path):
    with pytest.raises(LoadError) as info:
        resolve_files(LoadOptions(files=("nope.yml",), working_dir=tmp_path))
    assert str(tmp_path / "nope.yml") in str(info.value)


def test_a_missing_compose_file_entry_is_a_load_error(tmp_path):
    options = LoadOptions(working_dir=tmp_path, environ={"COMPOSE_FILE": "gone.yml"})
    with pytest.raises(LoadError) as info:
        resolve_files(options)
    assert "gone.yml" in str(info.value) and "COMPOSE_FILE" in str(info.value)


def test_nothing_found_is_project_not_found(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    options = LoadOptions(working_dir=empty, environ={})
    if find_compose_files(empty, {}):
        pytest.skip("a compose file exists above the temporary directory")
    with pytest.raises(ProjectNotFoundError) as info:
        resolve_files(options)
    assert "-f" in str(info.value)


# ----------------------------------------------------------------------------------------------- project directory


def test_project_directory_option_wins(tmp_path):
    options = LoadOptions(working_dir=tmp_path, project_directory=Path("elsewhere"))
    assert project_directory(options, [tmp_path / "a" / "compose.yaml"]) == tmp_path / "elsewhere"


def test_project_directory_is_the_first_files_directory(tmp_path):
    options = LoadOptions(working_dir=tmp_path)
    files = ["-", tmp_path / "a" / "compose.yaml", tmp_path / "b" / "x.yml"]
    assert project_directory(options, files) == tmp_path / "a"


def test_project_directory_for_stdin_only_is_the_working_dir(tmp_path):
    assert project_directory(LoadOptions(working_dir=tmp_path), ["-"]) == tmp_path


# ----------------------------------------------------------------------------------------------- project name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("myapp", "myapp"), ("My App", "myapp"), ("my.app_1-x", "myapp_1-x"), ("__-x", "x"), ("Été", "t"), ("___", "")],
)
def test_normalize_project_name(raw, expected):
    assert normalize_project_name(raw) == expected


def test_name_precedence_flag_then_environment_then_file_then_directory(tmp_path):
    directory = tmp_path / "Dir_Name"
    env = {"COMPOSE_PROJECT_NAME": "fromenv"}
    assert project_name(LoadOptions(project_name="flag"), "file", directory, env) == "flag"
    assert project_name(LoadOptions(), "file", directory, env) == "fromenv"
    assert project_name(LoadOptions(), "file", directory, {}) == "file"
    assert project_name(LoadOptions(), None, directory, {}) == "dir_name"


def test_name_from_the_file_is_normalized_like_compose_go_does(tmp_path):
    assert project_name(LoadOptions(), "My Project", tmp_path / "d", {}) == "myproject"
    assert project_name(LoadOptions(), "!!!", tmp_path / "fallback", {}) == "fallback"


@pytest.mark.parametrize("bad", ["My_App", "-app", "app!"])
def test_an_invalid_explicit_name_is_an_error_with_a_fix(tmp_path, bad):
    with pytest.raises(LoadError) as info:
        project_name(LoadOptions(project_name=bad), None, tmp_path, {})
    assert bad in str(info.value) and info.value.hint
    with pytest.raises(LoadError):
        project_name(LoadOptions(), None, tmp_path, {"COMPOSE_PROJECT_NAME": bad})


def test_a_directory_name_that_normalizes_to_nothing_is_an_error(tmp_path):
    with pytest.raises(LoadError) as info:
        project_name(LoadOptions(), None, tmp_path / "___", {})
    assert "-p" in str(info.value)
