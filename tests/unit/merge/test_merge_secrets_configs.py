"""secrets and configs of a service: unique by target (default /run/secrets/<name> and /<name>)."""

from tests.support.merge_yaml import merged


def test_a_long_secret_replaces_the_short_one_with_the_same_target():
    got = merged("services: {t: {secrets: [foo, bar, zot]}}",
                 "services: {t: {secrets: [{source: zot, target: /run/secrets/foo}]}}")
    assert got["services"]["t"]["secrets"] == [{"source": "zot", "target": "/run/secrets/foo"}, "bar", "zot"]


def test_a_relative_secret_target_is_under_run_secrets():
    got = merged("services: {t: {secrets: [foo]}}", "services: {t: {secrets: [{source: other, target: foo}]}}")
    assert got["services"]["t"]["secrets"] == [{"source": "other", "target": "foo"}]


def test_configs_default_target_is_the_root():
    got = merged("services: {t: {configs: [app]}}",
                 "services: {t: {configs: [{source: app2, target: /app}, {source: app, target: /etc/app}]}}")
    assert got["services"]["t"]["configs"] == [{"source": "app2", "target": "/app"},
                                               {"source": "app", "target": "/etc/app"}]
