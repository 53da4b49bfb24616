"""Checks Docker Compose makes after the schema: conflicting or missing attributes, undefined references, cycles."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compose.errors import ConsistencyError
from compose.loader.options import LoadOptions
from compose.loader.pipeline import load_project


def load(tmp_path: Path, text: str, **kw):
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(text))
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, **kw))


def fails(tmp_path: Path, text: str, match: str, **kw) -> ConsistencyError:
    with pytest.raises(ConsistencyError, match=match) as info:
        load(tmp_path, text, **kw)
    return info.value


@pytest.mark.parametrize("attr", ["driver: local", "driver_opts: {type: none}", "labels: {a: b}"])
def test_an_external_volume_declares_nothing_but_its_name(tmp_path, attr):
    error = fails(tmp_path, f"""
        services: {{web: {{image: x}}}}
        volumes:
          data:
            external: true
            {attr}
    """, 'volumes.data: conflicting parameters "external" and "' + attr.split(":")[0])
    assert str(error).startswith("compose.yaml:6:")


@pytest.mark.parametrize("kind", ["volumes", "networks", "secrets"])
def test_name_and_legacy_external_name_conflict(tmp_path, kind):
    fails(tmp_path, f"""
        services: {{web: {{image: x}}}}
        {kind}:
          thing:
            name: a
            external: {{name: b}}
    """, f"{kind}.thing: name and external.name conflict: only use name")


def test_an_external_secret_may_name_a_template_driver(tmp_path):
    loaded = load(tmp_path, """
        services: {web: {image: x}}
        secrets:
          s: {name: s, external: true, template_driver: t}
    """)
    assert loaded.data["secrets"]["s"]["external"] is True


def test_a_secret_takes_its_content_from_one_source_only(tmp_path):
    fails(tmp_path, """
        services: {web: {image: x}}
        secrets:
          s: {file: ./a, environment: A}
    """, "file|environment attributes are mutually exclusive")
    fails(tmp_path, """
        services: {web: {image: x}}
        configs:
          c: {name: c}
    """, "one of file|environment|content must be set")


def test_a_bind_mount_needs_a_source(tmp_path):
    error = fails(tmp_path, """
        services:
          web:
            image: x
            volumes:
              - type: bind
                target: /app
    """, 'invalid mount config for type "bind": field Source must not be empty')
    assert "services.web.volumes[0]" in str(error)


def test_device_count_and_device_ids_are_exclusive(tmp_path):
    fails(tmp_path, """
        services:
          web:
            image: x
            deploy:
              resources:
                reservations:
                  devices: [{capabilities: [gpu], count: 2, device_ids: ["a"]}]
    """, '"count" and "device_ids" attributes are exclusive')


def test_a_service_needs_an_image_or_a_build_context(tmp_path):
    error = fails(tmp_path, "services:\n  web:\n    command: echo\n",
                  "service web has neither an image nor a build context: add image: or build:")
    assert str(error).startswith("compose.yaml:2:3 services.web:")


def test_a_build_context_alone_is_enough(tmp_path):
    assert load(tmp_path, "services:\n  web:\n    build: .\n").project.services["web"].image is None


@pytest.mark.parametrize("policy", ["no", "always", "on-failure", "on-failure:3", "unless-stopped"])
def test_restart_policies_docker_knows_load(tmp_path, policy):
    loaded = load(tmp_path, f"services:\n  web:\n    image: x\n    restart: \"{policy}\"\n")
    assert loaded.project.services["web"].restart == policy


@pytest.mark.parametrize("policy", ["sometimes", "on-failure:x", "always:3"])
def test_other_restart_policies_are_rejected(tmp_path, policy):
    fails(tmp_path, f"services:\n  web:\n    image: x\n    restart: \"{policy}\"\n", "invalid restart policy")


def test_a_dependency_cycle_is_named_whole_at_load(tmp_path):
    fails(tmp_path, """
        services:
          a: {image: x, depends_on: [b]}
          b: {image: x, depends_on: [c]}
          c: {image: x, depends_on: [a]}
    """, "dependency cycle detected: a -> b -> c -> a")


def test_a_service_depending_on_itself_is_a_cycle(tmp_path):
    fails(tmp_path, "services:\n  a: {image: x, depends_on: [a]}\n", "dependency cycle detected: a -> a")


def test_without_the_consistency_check_undefined_references_and_missing_images_load(tmp_path):
    loaded = load(tmp_path, """
        services:
          web:
            networks: [elsewhere]
            volumes: ["data:/data"]
    """, consistency=False)
    assert set(loaded.data["services"]["web"]["networks"]) == {"elsewhere"}


def test_the_consistency_check_still_rejects_undefined_networks(tmp_path):
    fails(tmp_path, "services:\n  web:\n    image: x\n    networks: [elsewhere]\n", "undefined network 'elsewhere'")


def test_a_build_secret_must_be_declared(tmp_path):
    fails(tmp_path, "services:\n  web:\n    build:\n      context: .\n      secrets: [npmrc]\n",
          "undefined secret 'npmrc'")
