"""build: a string is the context; both sides merge as mappings."""

from tests.support.merge_yaml import merged


def test_string_build_onto_mapping():
    got = merged("services: {t: {build: {context: ., target: dev}}}", "services: {t: {build: ./other}}")
    assert got["services"]["t"]["build"] == {"context": "./other", "target": "dev"}


def test_mapping_onto_string_build():
    got = merged("services: {t: {build: ./app}}", "services: {t: {build: {dockerfile: Dockerfile.dev}}}")
    assert got["services"]["t"]["build"] == {"context": "./app", "dockerfile": "Dockerfile.dev"}


def test_build_tags_and_platforms_are_unique():
    got = merged("services: {t: {build: {context: ., tags: ['a:1'], platforms: [linux/amd64]}}}",
                 "services: {t: {build: {tags: ['a:1', 'b:2'], platforms: [linux/arm64]}}}")
    assert got["services"]["t"]["build"]["tags"] == ["a:1", "b:2"]
    assert got["services"]["t"]["build"]["platforms"] == ["linux/amd64", "linux/arm64"]
