"""The load pipeline end to end: files, env, interpolation, merge, profiles, schema, canonical, normalize, bind."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from compose.errors import ConsistencyError, InterpolationError, LoadError, SchemaError
from compose.loader.options import LoadOptions
from compose.loader.pipeline import LoadedProject, load_dict, load_project


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def options(tmp_path: Path, **kw) -> LoadOptions:
    kw.setdefault("environ", {"HOME": "/root"})
    return LoadOptions(working_dir=tmp_path, **kw)


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    write(tmp_path / "compose.yaml", """
        name: ${APP:-demo}
        services:
          web:
            image: nginx:${TAG}
            ports: ["8080:80"]
            environment: {A: "1"}
            depends_on: [db]
          db:
            image: postgres
          debug:
            image: busybox
            profiles: [debug]
    """)
    write(tmp_path / "compose.override.yaml", """
        services:
          web:
            environment: [B=2]
            ports: [{target: 80, published: "8080"}]
    """)
    write(tmp_path / ".env", "TAG=1.25\n")
    return tmp_path


def test_discovered_files_merge_and_bind_into_a_project(stack):
    loaded = load_project(options(stack))
    assert loaded.name == "demo"
    assert loaded.files == [stack / "compose.yaml", stack / "compose.override.yaml"]
    assert loaded.project_dir == stack
    web = loaded.data["services"]["web"]
    assert web["image"] == "nginx:1.25"
    assert web["environment"] == {"A": "1", "B": "2"}
    assert [(p["target"], str(p["published"])) for p in web["ports"]] == [(80, "8080")]
    assert sorted(loaded.project.services) == ["db", "web"]
    assert loaded.disabled_services == ("debug",)


def test_the_result_is_frozen(stack):
    loaded = load_dict(options(stack))
    assert isinstance(loaded, LoadedProject)
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.name = "other"  # type: ignore[misc]


def test_shell_environment_wins_over_dotenv_and_names_the_project(stack):
    loaded = load_dict(options(stack, environ={"TAG": "shell", "APP": "myapp"}))
    assert loaded.data["services"]["web"]["image"] == "nginx:shell"
    assert loaded.name == "myapp"
    assert loaded.environment["TAG"] == "shell"
    assert loaded.environment["COMPOSE_PROJECT_NAME"] == "myapp"


def test_name_may_use_variables_from_dotenv(tmp_path):
    write(tmp_path / "compose.yaml", "name: ${APP}\nservices:\n  a: {image: a}\n")
    write(tmp_path / ".env", "APP=fromenv\n")
    assert load_dict(options(tmp_path)).name == "fromenv"


def test_the_project_name_is_available_to_interpolation(tmp_path):
    write(tmp_path / "one.yaml", "name: interpolated\nservices:\n  web: {image: web, container_name: "
                                 "'${COMPOSE_PROJECT_NAME}-web'}\n")
    write(tmp_path / "two.yaml", "name: overrided\nservices:\n  db: {image: db, container_name: "
                                 "'${COMPOSE_PROJECT_NAME}-db'}\n")
    loaded = load_dict(options(tmp_path, files=("one.yaml", "two.yaml")))
    assert loaded.name == "overrided"
    assert loaded.data["services"]["web"]["container_name"] == "overrided-web"
    assert loaded.data["services"]["db"]["container_name"] == "overrided-db"


def test_documents_of_one_file_merge_in_order(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  a: {image: one, user: u}\n---\nservices:\n  a: {image: two}\n")
    assert load_dict(options(tmp_path), stop_after="merge").data["services"]["a"] == {"image": "two", "user": "u"}


def test_no_interpolation_keeps_variables_as_written(stack):
    loaded = load_dict(options(stack, interpolate=False), stop_after="merge")
    assert loaded.data["services"]["web"]["image"] == "nginx:${TAG}"


def test_stop_after_merge_keeps_every_service(stack):
    assert "debug" in load_dict(options(stack), stop_after="merge").data["services"]


def test_profiles_from_flags_and_from_compose_profiles_in_dotenv(stack):
    assert "debug" in load_dict(options(stack, profiles=("debug",))).data["services"]
    (stack / ".env").write_text("TAG=1\nCOMPOSE_PROFILES=debug\n")
    loaded = load_dict(options(stack))
    assert "debug" in loaded.data["services"] and loaded.profiles == ("debug",)


def test_a_service_named_on_the_command_line_is_enabled(stack):
    assert "debug" in load_dict(options(stack, services=("debug",))).data["services"]


def test_without_normalize_no_defaults_are_added(stack):
    loaded = load_dict(options(stack, normalize=False))
    assert "networks" not in loaded.data
    assert "networks" in load_dict(options(stack)).data


def test_unknown_stage_is_refused(stack):
    with pytest.raises(ValueError, match="unknown stage"):
        load_dict(options(stack), stop_after="nope")


def test_warnings_for_unset_variables_and_obsolete_version(tmp_path):
    write(tmp_path / "compose.yaml", "version: '3.8'\nservices:\n  a: {image: 'a:${NOPE}'}\n")
    loaded = load_dict(options(tmp_path))
    assert 'The "NOPE" variable is not set. Defaulting to a blank string.' in loaded.warnings
    assert any("`version` is obsolete" in w for w in loaded.warnings)
    assert "version" not in loaded.data


def test_schema_errors_point_at_the_file_that_wrote_the_value(stack):
    write(stack / "compose.override.yaml", "services:\n  web:\n    restart: 5\n    environment: [B=2]\n")
    with pytest.raises(SchemaError) as err:
        load_dict(options(stack))
    assert "compose.override.yaml:3:" in str(err.value)


def test_interpolation_errors_point_at_file_line_column(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  a:\n    image: ${NEEDED?set it}\n")
    with pytest.raises(InterpolationError) as err:
        load_dict(options(tmp_path))
    assert "compose.yaml:3:" in str(err.value) and "NEEDED" in str(err.value)


def test_stdin_is_a_compose_file(tmp_path):
    loaded = load_dict(options(tmp_path, files=("-",), stdin="services:\n  a: {image: x}\n", project_name="p"))
    assert loaded.data["services"]["a"]["image"] == "x"
    assert loaded.files == ["-"]


def test_an_empty_file_is_an_error(tmp_path):
    write(tmp_path / "compose.yaml", "# nothing\n")
    with pytest.raises(LoadError, match="empty compose file"):
        load_dict(options(tmp_path))


def test_a_file_that_is_not_a_mapping_is_an_error(tmp_path):
    write(tmp_path / "compose.yaml", "- a\n- b\n")
    with pytest.raises(SchemaError, match="compose.yaml:1:1: a compose file must be a mapping"):
        load_dict(options(tmp_path))


def test_a_null_service_is_rejected_as_compose_go_does(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  a:\n")
    with pytest.raises(SchemaError, match="services.a must be a mapping"):
        load_dict(options(tmp_path), stop_after="merge")


def test_marks_survive_to_the_end(stack):
    loaded = load_dict(options(stack))
    assert str(loaded.marks[("services", "web", "image")]).endswith("compose.yaml:5:12")
    assert str(loaded.marks[("services", "web", "environment", 1)]).endswith("compose.override.yaml:4:19")


def test_later_stage_errors_point_into_the_override_file(stack):
    write(stack / "compose.override.yaml", "services:\n  web:\n    networks: [nowhere]\n")
    with pytest.raises(ConsistencyError) as err:
        load_dict(options(stack))
    assert "compose.override.yaml:3:" in str(err.value) and "nowhere" in str(err.value)


def test_no_interpolation_still_interpolates_the_project_name(stack):
    loaded = load_dict(options(stack, interpolate=False, environ={"APP": "named"}), stop_after="merge")
    assert loaded.name == "named" and loaded.data["name"] == "named"


# ---------------------------------------------------------------------------------------------- .env before discovery
def test_compose_file_from_the_working_dirs_env_file_picks_the_files(tmp_path):
    write(tmp_path / "base.yaml", "services:\n  web:\n    image: nginx\n")
    write(tmp_path / "extra.yaml", "services:\n  web:\n    environment: [A=1]\n")
    write(tmp_path / ".env", "COMPOSE_FILE=base.yaml:extra.yaml\n")
    loaded = load_project(options(tmp_path))
    assert loaded.files == [tmp_path / "base.yaml", tmp_path / "extra.yaml"]
    assert loaded.data["services"]["web"]["environment"] == {"A": "1"}


def test_the_shell_wins_over_the_env_files_compose_file(tmp_path):
    write(tmp_path / "base.yaml", "services:\n  web:\n    image: nginx\n")
    write(tmp_path / "other.yaml", "services:\n  db:\n    image: postgres\n")
    write(tmp_path / ".env", "COMPOSE_FILE=base.yaml\n")
    loaded = load_project(options(tmp_path, environ={"COMPOSE_FILE": "other.yaml"}))
    assert list(loaded.data["services"]) == ["db"]


def test_compose_project_name_and_profiles_from_the_env_file(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: x\n  dbg:\n    image: y\n    profiles: [debug]\n")
    write(tmp_path / ".env", "COMPOSE_PROJECT_NAME=fromenv\nCOMPOSE_PROFILES=debug\n")
    loaded = load_project(options(tmp_path))
    assert loaded.name == "fromenv"
    assert set(loaded.data["services"]) == {"web", "dbg"}


def test_env_file_flag_is_read_before_discovery_too(tmp_path):
    write(tmp_path / "main.yaml", "services:\n  web:\n    image: x\n")
    write(tmp_path / "ci.env", "COMPOSE_FILE=main.yaml\n")
    assert load_project(options(tmp_path, env_files=("ci.env",))).files == [tmp_path / "main.yaml"]


# ---------------------------------------------------------------------------------------------- --no-interpolate
def test_without_interpolation_typed_fields_keep_their_variables(tmp_path):
    write(tmp_path / "compose.yaml", """
        services:
          web:
            image: nginx:${TAG}
            ports: ["${PORT}:80", "9090:90"]
            deploy: {replicas: "${N}"}
            environment: [A=1]
    """)
    loaded = load_project(options(tmp_path, interpolate=False))
    web = loaded.data["services"]["web"]
    assert loaded.project is None
    assert web["image"] == "nginx:${TAG}"
    assert web["ports"] == ["${PORT}:80", "9090:90"]
    assert web["deploy"] == {"replicas": "${N}"}
    assert web["environment"] == {"A": "1"}
    assert web["networks"] == {"default": None}
    assert not any("not set" in w for w in loaded.warnings)


def test_without_interpolation_the_schema_still_judges_the_raw_data(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: x\n    ports: [\"80:80:80\"]\n")
    with pytest.raises(SchemaError, match=r"compose.yaml:4:\d+ services.web.ports\[0\]"):
        load_project(options(tmp_path, interpolate=False))


# ---------------------------------------------------------------------------------------------- warnings, errors
def test_valid_but_unsupported_fields_become_warnings(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: x\n    mac_address: 02:42:ac:11:65:43\n")
    loaded = load_project(options(tmp_path))
    assert any(w.startswith("services.web.mac_address: not supported by dockyard yet, ignored") for w in loaded.warnings)


def test_errors_name_files_relative_to_the_working_dir(tmp_path):
    write(tmp_path / "sub" / "compose.yaml", "services:\n  web:\n    image: x\n    ports: [\"80:80:80\"]\n")
    with pytest.raises(SchemaError) as info:
        load_project(options(tmp_path, files=("sub/compose.yaml",)))
    assert str(info.value).startswith("sub/compose.yaml:4:")
