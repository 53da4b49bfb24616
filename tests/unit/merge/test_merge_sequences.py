"""Sequences are appended; those with unique entries (dns, cap_add, profiles...) keep one of each."""

from tests.support.merge_yaml import merged


def test_plain_sequences_are_appended():
    got = merged("services: {t: {group_add: [a, b]}}", "services: {t: {group_add: [b, c]}}")
    assert got["services"]["t"]["group_add"] == ["a", "b", "b", "c"]


def test_dns_entries_are_unique_and_a_single_string_joins_the_list():
    got = merged("services: {t: {dns: [8.8.8.8, 9.9.9.9]}}", "services: {t: {dns: 9.9.9.9}}")
    assert got["services"]["t"]["dns"] == ["8.8.8.8", "9.9.9.9"]


def test_cap_add_and_cap_drop_are_unique_appends():
    got = merged(
        "services: {t: {cap_add: [CAP_BPF, CAP_CHOWN], cap_drop: [NET_ADMIN]}}",
        "services: {t: {cap_add: [CAP_KILL, CAP_CHOWN], cap_drop: [NET_ADMIN, CAP_FOWNER]}}",
    )
    assert got["services"]["t"]["cap_add"] == ["CAP_BPF", "CAP_CHOWN", "CAP_KILL"]
    assert got["services"]["t"]["cap_drop"] == ["NET_ADMIN", "CAP_FOWNER"]


def test_profiles_are_unique():
    got = merged("services: {t: {profiles: [p1, p2]}}", "services: {t: {profiles: [p2, p3]}}")
    assert got["services"]["t"]["profiles"] == ["p1", "p2", "p3"]


def test_expose_entries_are_unique_whether_numbers_or_strings():
    got = merged("services: {t: {expose: [80, '443']}}", "services: {t: {expose: ['80', 8080]}}")
    assert got["services"]["t"]["expose"] == ["80", "443", 8080]


def test_env_file_entries_are_unique_by_path_and_a_string_joins_the_list():
    got = merged(
        "services: {t: {env_file: a.env}}",
        "services: {t: {env_file: [b.env, {path: a.env, required: false}]}}",
    )
    assert got["services"]["t"]["env_file"] == [{"path": "a.env", "required": False}, "b.env"]
