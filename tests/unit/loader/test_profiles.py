"""Profiles: which services are active, from --profile, COMPOSE_PROFILES and services named on the command line."""

from __future__ import annotations

import pytest

from compose.errors import ConsistencyError
from compose.loader.profiles import active_profiles, select_profiles
from tests.support.merge_yaml import read_one

STACK = """
services:
  web: {image: web}
  debug: {image: d, profiles: [debug]}
  test: {image: t, profiles: [test, ci]}
  tools: {image: x, profiles: [debug]}
"""


def active(text: str = STACK, profiles=(), services=()) -> list[str]:
    doc = read_one(text)
    return list(select_profiles(doc.data, doc.marks, profiles=profiles, services=services).data["services"])


def test_services_without_profiles_are_always_active():
    assert active() == ["web"]


def test_a_profile_activates_its_services():
    assert active(profiles=["debug"]) == ["web", "debug", "tools"]


def test_any_of_a_service_profiles_activates_it():
    assert active(profiles=["ci"]) == ["web", "test"]


def test_star_activates_every_service():
    assert active(profiles=["*"]) == ["web", "debug", "test", "tools"]


def test_a_service_named_on_the_command_line_enables_its_profiles():
    assert active(services=["debug"]) == ["web", "debug", "tools"]


def test_naming_an_unknown_service_is_an_error():
    with pytest.raises(ConsistencyError, match="no such service: nope"):
        active(services=["nope"])


def test_profile_flags_win_over_compose_profiles():
    assert active_profiles(["a"], {"COMPOSE_PROFILES": "b,c"}) == ("a",)


def test_compose_profiles_is_a_comma_list():
    assert active_profiles([], {"COMPOSE_PROFILES": " b, c ,,b"}) == ("b", "c")


def test_profile_flags_may_hold_commas_too():
    assert active_profiles(["a,b", "c"], {}) == ("a", "b", "c")


def test_disabled_services_are_reported():
    doc = read_one(STACK)
    sel = select_profiles(doc.data, doc.marks, profiles=["ci"])
    assert sel.disabled == ("debug", "tools")
    assert sel.active_profiles == ("ci",)


def test_depending_on_a_disabled_service_is_an_error_naming_the_fix():
    text = "services:\n  web:\n    image: w\n    depends_on: [db]\n  db: {image: d, profiles: [data]}\n"
    with pytest.raises(ConsistencyError) as err:
        active(text)
    message = str(err.value)
    assert "service 'web' depends on service 'db', which is disabled" in message
    assert "--profile data" in message and "compose.yaml:4:" in message


def test_an_optional_dependency_on_a_disabled_service_is_dropped_with_a_warning():
    text = ("services:\n  web:\n    image: w\n    depends_on:\n"
            "      db: {condition: service_started, required: false}\n"
            "      cache: {condition: service_started}\n  db: {image: d, profiles: [data]}\n  cache: {image: c}\n")
    doc = read_one(text)
    sel = select_profiles(doc.data, doc.marks, profiles=[])
    assert sel.data["services"]["web"]["depends_on"] == {"cache": {"condition": "service_started"}}
    assert len(sel.warnings) == 1 and "'db'" in sel.warnings[0]


def test_depending_on_a_service_enabled_by_the_same_profile_is_fine():
    text = "services:\n  a: {image: a, profiles: [p], depends_on: [b]}\n  b: {image: b, profiles: [p]}\n"
    assert active(text, profiles=["p"]) == ["a", "b"]
