"""`dockyard config` flags and the global flags, as `docker compose config` has them."""

from __future__ import annotations

import json
import re

STACK = """
services:
  web:
    build: ./web
    ports: ["${PORT:-8080}:80"]
    depends_on: [db]
    volumes: [./html:/html, cache:/cache]
  db:
    image: postgres:16
    networks: [back]
  debug:
    image: busybox
    profiles: [tools]
volumes:
  cache: {}
networks:
  back: {}
"""


def test_listing_flags_print_one_name_a_line(project):
    project.write("compose.yaml", STACK)
    assert project.dockyard("config", "--services").out == "db\nweb\n"
    assert project.dockyard("config", "--volumes").out == "cache\n"
    assert project.dockyard("config", "--networks").out == "back\ndefault\n"
    assert project.dockyard("config", "--images").out == "postgres:16\ndemo-web\n"
    assert project.dockyard("config", "--profiles").out == "tools\n"


def test_profile_flag_enables_its_services(project):
    project.write("compose.yaml", STACK)
    assert project.dockyard("--profile", "tools", "config", "--services").out == "db\ndebug\nweb\n"
    assert project.dockyard("config", "--services", env={"COMPOSE_PROFILES": "tools"}).out == "db\ndebug\nweb\n"


def test_hash_prints_a_stable_hash_per_service(project):
    project.write("compose.yaml", STACK)
    first = project.dockyard("config", "--hash", "*").out
    assert re.fullmatch(r"db [0-9a-f]{64}\nweb [0-9a-f]{64}\n", first), first
    assert project.dockyard("config", "--hash", "db").out == first.splitlines(keepends=True)[0]
    project.write("compose.yaml", STACK.replace("postgres:16", "postgres:17"))
    changed = project.dockyard("config", "--hash", "*").out
    assert changed.splitlines()[0] != first.splitlines()[0] and changed.splitlines()[1] == first.splitlines()[1]


def test_quiet_validates_and_prints_nothing(project):
    project.write("compose.yaml", STACK)
    run = project.dockyard("config", "-q")
    assert (run.code, run.out) == (0, "")


def test_output_file_receives_what_stdout_would(project):
    project.write("compose.yaml", STACK)
    expected = project.dockyard("config").out
    run = project.dockyard("config", "-o", "out.yaml")
    assert (run.code, run.out) == (0, "")
    assert (project.root / "out.yaml").read_text() == expected


def test_json_and_yaml_hold_the_same_data(project):
    import yaml

    project.write("compose.yaml", STACK)
    as_yaml = yaml.safe_load(project.dockyard("config").out)
    as_json = json.loads(project.dockyard("config", "--format", "json").out)
    assert as_yaml == as_json


def test_no_interpolate_prints_variables_as_written(project):
    project.write("compose.yaml", STACK)
    run = project.dockyard("config", "--no-interpolate")
    assert run.code == 0, run.err
    assert "- ${PORT:-8080}:80\n" in run.out
    assert 'published: "8080"' in project.dockyard("config").out


def test_no_normalize_keeps_relative_paths_and_adds_no_default_network(project):
    project.write("compose.yaml", STACK)
    out = project.dockyard("config", "--no-normalize").out
    assert "source: ./html" in out
    assert "default:" not in out


def test_an_error_is_one_line_with_file_line_column_and_path(project):
    project.write("compose.yaml", """
        services:
          web:
            image: nginx
            ports:
              - "80:80:80"
    """)
    run = project.dockyard("config")
    assert run.code == 1
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert re.search(r"compose\.yaml:5:9 services\.web\.ports\[0\]: .*80:80:80.* is not a valid port", lines[0])
    assert "Traceback" not in run.err


def test_a_missing_variable_error_names_the_variable(project):
    project.write("compose.yaml", "services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n")
    run = project.dockyard("config")
    assert run.code == 1 and "set IMAGE" in run.err and len(run.err.strip().splitlines()) == 1


def test_files_flags_merge_in_order_and_stdin_is_a_file(project):
    project.write("a.yaml", "services:\n  web:\n    image: a\n    environment: [X=1]\n")
    project.write("b.yaml", "services:\n  web:\n    image: b\n")
    out = project.dockyard("-f", "a.yaml", "-f", "b.yaml", "config").out
    assert "image: b\n" in out and "X: \"1\"\n" in out
    piped = project.dockyard("-f", "a.yaml", "-f", "-", "config", stdin="services:\n  web:\n    image: c\n").out
    assert "image: c\n" in piped


def test_project_name_flag_and_project_directory(project):
    project.write("sub/compose.yaml", "services:\n  web:\n    image: x\n    volumes: [./data:/data]\n")
    out = project.dockyard("-p", "other", "--project-directory", "sub", "config").out
    assert out.startswith("name: other\n")
    assert f"source: {project.root}/sub/data\n" in out


def test_env_file_flag_feeds_interpolation(project):
    project.write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n")
    project.write("ci.env", "TAG=1.27\n")
    assert "image: nginx:1.27\n" in project.dockyard("--env-file", "ci.env", "config").out


def test_the_working_dirs_env_file_can_name_the_compose_files(project):
    project.write("stack.yaml", "services:\n  web:\n    image: x\n  dbg:\n    image: y\n    profiles: [debug]\n")
    project.write(".env", "COMPOSE_FILE=stack.yaml\nCOMPOSE_PROJECT_NAME=fromenv\nCOMPOSE_PROFILES=debug\n")
    out = project.dockyard("config").out
    assert out.startswith("name: fromenv\n") and "image: x" in out and "image: y" in out


def test_unsupported_fields_are_warned_about_not_dropped(project):
    project.write("compose.yaml", "services:\n  web:\n    image: x\n    mac_address: 02:42:ac:11:65:43\n")
    run = project.dockyard("config")
    assert run.code == 0
    assert "mac_address" in run.err and "mac_address: 02:42:ac:11:65:43" in run.out


def test_variables_lists_what_the_files_interpolate_without_needing_values(project):
    project.write("compose.yaml", STACK.replace("image: busybox", "image: busybox:${BUSYBOX_TAG:?set it}"))
    result = project.dockyard("config", "--variables")
    assert result.out == ("NAME          REQUIRED   DEFAULT VALUE   ALTERNATE VALUE\n"
                          "BUSYBOX_TAG   true\n"
                          "PORT          false      8080\n")
    doc = json.loads(project.dockyard("config", "--variables", "--format", "json").out)
    assert doc["PORT"] == {"Name": "PORT", "DefaultValue": "8080", "PresenceValue": "", "Required": False}


def test_environment_prints_what_interpolation_sees(project):
    project.write("compose.yaml", STACK)
    project.write(".env", "PORT=9090\n")
    lines = project.dockyard("config", "--environment", env={"DY_TEST_VAR": "shell"}).out.splitlines()
    assert "PORT=9090" in lines and "DY_TEST_VAR=shell" in lines
    assert lines == sorted(lines)
