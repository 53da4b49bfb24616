"""Service ``extends``: same file, other files, chains, cycles, missing targets, relative paths, tags."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compose.errors import ExtendsError
from compose.loader.document import Document
from compose.loader.extends import apply_extends
from tests.support.merge_yaml import read_one


def extend(text: str, tmp_path: Path | None = None, filename: str = "compose.yaml") -> dict:
    base_dir = tmp_path or Path("/project")
    doc = read_one(text, str(base_dir / filename))

    def load(path: Path) -> Document:
        return read_one(path.read_text(), str(path))

    data, _ = apply_extends(doc.data, doc.marks, filename=str(base_dir / filename), base_dir=base_dir, load=load)
    return data


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_a_service_extends_another_of_the_same_file():
    got = extend("""
        services:
          foo: {image: busybox, extends: bar}
          bar: {image: alpine, command: echo}
    """)
    assert got["services"]["foo"] == {"image": "busybox", "command": "echo"}
    assert got["services"]["bar"] == {"image": "alpine", "command": "echo"}


def test_the_extending_service_wins_by_the_merge_rules():
    got = extend("""
        services:
          foo:
            extends: {service: bar}
            command: "/bin/ash -c 'rm -rf /tmp/x'"
            environment: {B: '2'}
            ports: ['8080:80']
          bar:
            image: alpine
            command: "/bin/ash -c 'echo Oh no'"
            environment: {A: '1'}
            ports: ['8080:80', '9000:9000']
    """)
    assert got["services"]["foo"] == {
        "image": "alpine",
        "command": "/bin/ash -c 'rm -rf /tmp/x'",
        "environment": ["A=1", "B=2"],
        "ports": ["8080:80", "9000:9000"],
    }


def test_reset_in_the_extending_service_drops_the_inherited_value():
    got = extend("""
        services:
          foo:
            extends: {service: bar}
            volumes: !reset []
          bar: {image: alpine, command: echo, volumes: ['.:/src']}
    """)
    assert got["services"]["foo"] == {"image": "alpine", "command": "echo"}


def test_override_in_the_extending_service_replaces_the_inherited_value():
    got = extend("""
        services:
          base: {configs: [{source: credentials, target: /credentials/file1}]}
          x:
            extends: base
            configs: !override [{source: credentials, target: /elsewhere}]
    """)
    assert got["services"]["x"] == {"configs": [{"source": "credentials", "target": "/elsewhere"}]}


def test_chains_resolve_in_order():
    got = extend("""
        services:
          a: {extends: b, environment: [A=a]}
          b: {extends: c, environment: [B=b], user: bob}
          c: {image: c, environment: [C=c], user: root}
    """)
    assert got["services"]["a"] == {"image": "c", "environment": ["C=c", "B=b", "A=a"], "user": "bob"}


def test_depends_on_and_links_are_inherited_like_docker_compose():
    got = extend("""
        services:
          web: {extends: base}
          base: {image: x, depends_on: [db], links: [db]}
          db: {image: db}
    """)
    assert got["services"]["web"]["depends_on"] == ["db"]
    assert got["services"]["web"]["links"] == ["db"]


def test_a_cycle_is_an_error_naming_every_step():
    with pytest.raises(ExtendsError) as err:
        extend("""
            services:
              a: {extends: b}
              b: {extends: c}
              c: {extends: a}
        """)
    text = str(err.value)
    assert "extends cycle: a in /project/compose.yaml -> b in /project/compose.yaml -> c in" in text
    assert text.count(" -> ") == 3


def test_a_service_extending_itself_is_a_cycle():
    with pytest.raises(ExtendsError, match="extends cycle: a in .* -> a in"):
        extend("services:\n  a: {extends: a, image: x}\n")


def test_a_missing_service_names_both_services_and_the_file():
    with pytest.raises(ExtendsError) as err:
        extend("services:\n  web:\n    extends: nothere\n")
    assert "cannot extend service 'web'" in str(err.value)
    assert "service 'nothere' not found" in str(err.value)
    assert "compose.yaml:3:" in str(err.value)


def test_extends_from_another_file_resolves_its_relative_paths_there(tmp_path):
    write(tmp_path / "common" / "base.yaml", """
        services:
          app:
            build: .
            env_file: [./app.env]
            volumes: ['./data:/data', 'named:/named', {type: bind, source: ../shared, target: /shared}]
    """)
    got = extend("""
        services:
          web:
            extends: {file: common/base.yaml, service: app}
            volumes: ['./local:/local']
    """, tmp_path)
    web = got["services"]["web"]
    common = tmp_path / "common"
    assert web["build"] == str(common)
    assert web["env_file"] == [str(common / "app.env")]
    assert web["volumes"] == [f"{common}/data:/data", "named:/named",
                              {"type": "bind", "source": str(tmp_path / "shared"), "target": "/shared"},
                              "./local:/local"]


def test_extends_chain_across_files(tmp_path):
    write(tmp_path / "a" / "compose.yaml", "services:\n  a: {extends: {file: ../b/compose.yaml, service: b}}\n")
    write(tmp_path / "b" / "compose.yaml", "services:\n  b: {build: {target: fake}}\n")
    got = extend("services:\n  root: {extends: {file: ./a/compose.yaml, service: a}}\n", tmp_path)
    assert got["services"]["root"] == {"build": {"target": "fake", "context": str(tmp_path / "b")}}


def test_a_missing_file_names_the_service_and_the_file(tmp_path):
    with pytest.raises(ExtendsError) as err:
        extend("services:\n  web: {extends: {file: nope.yaml, service: app}}\n", tmp_path)
    assert "cannot extend service 'web'" in str(err.value) and "nope.yaml" in str(err.value)


def test_a_missing_service_in_another_file_names_that_file(tmp_path):
    write(tmp_path / "other.yaml", "services:\n  app: {image: x}\n")
    with pytest.raises(ExtendsError) as err:
        extend("services:\n  web: {extends: {file: other.yaml, service: nope}}\n", tmp_path)
    assert "service 'nope' not found in" in str(err.value) and "other.yaml" in str(err.value)


def test_a_cycle_across_files_is_detected(tmp_path):
    write(tmp_path / "other.yaml", "services:\n  b: {extends: {file: compose.yaml, service: a}}\n")
    write(tmp_path / "compose.yaml", "services:\n  a: {extends: {file: other.yaml, service: b}}\n")
    with pytest.raises(ExtendsError, match="extends cycle"):
        extend((tmp_path / "compose.yaml").read_text(), tmp_path)


def test_the_marks_of_an_extended_service_point_into_the_base_file(tmp_path):
    write(tmp_path / "base.yaml", "services:\n  app:\n    image: x\n")
    doc = read_one("services:\n  web:\n    extends: {file: base.yaml, service: app}\n", str(tmp_path / "c.yaml"))
    _, marks = apply_extends(doc.data, doc.marks, filename=str(tmp_path / "c.yaml"), base_dir=tmp_path,
                             load=lambda p: read_one(p.read_text(), str(p)))
    assert str(marks[("services", "web", "image")]).endswith("base.yaml:3:12")


# compose-go's own extends fixtures, loaded through the pipeline.
from tests.support.paths import corpus_dir  # noqa: E402

FIXTURES = corpus_dir() / "compose-go" / "loader" / "testdata"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="compose-go testdata not in the corpus")


def load_fixture(path: Path) -> dict:
    from compose.loader.options import LoadOptions
    from compose.loader.pipeline import load_dict

    opts = LoadOptions(working_dir=path.parent, files=(str(path),), environ={"HOME": "/root"}, project_name="t")
    return load_dict(opts, stop_after="profiles").data


@needs_fixtures
def test_fixture_extends_through_a_file_that_extends_its_neighbour():
    data = load_fixture(FIXTURES / "extends" / "withdir" / "compose.yaml")
    assert data["services"]["test"] == {"image": "hello-world"}


@needs_fixtures
def test_fixture_reset_command_of_the_extended_service():
    data = load_fixture(FIXTURES / "extends" / "reset.yaml")
    assert data["services"]["base"] == {"image": "alpine:latest"}


@needs_fixtures
def test_fixture_build_context_of_a_sibling_file_stays_in_its_directory():
    data = load_fixture(FIXTURES / "extends" / "nested.yaml")
    assert data["services"]["with-build"] == {"build": str(FIXTURES / "extends")}


@needs_fixtures
def test_fixture_extending_a_service_of_another_project_directory():
    data = load_fixture(FIXTURES / "compose-test-extends.yaml")
    importer = data["services"]["importer"]
    assert importer["image"] == "nginx"
    assert importer["env_file"] == [str(FIXTURES / "subdir" / "extra.env")]
    assert importer["volumes"] == ["/opt/data:/var/lib/mysql"]
