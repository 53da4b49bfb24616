"""extra_hosts: both syntaxes become ``host=ip`` entries; exact duplicates are dropped, others appended."""

from tests.support.merge_yaml import merged


def test_map_and_list_merge_without_duplicates():
    got = merged("services: {t: {extra_hosts: {somehost: 162.242.195.82, other: 50.31.209.229}}}",
                 "services: {t: {extra_hosts: ['other=50.31.209.229', 'other=50.31.209.230']}}")
    assert got["services"]["t"]["extra_hosts"] == [
        "other=50.31.209.229", "somehost=162.242.195.82", "other=50.31.209.230"
    ]


def test_a_host_with_several_addresses_gives_one_entry_each():
    got = merged("services: {t: {extra_hosts: [a=1.1.1.1]}}",
                 "services: {t: {extra_hosts: {b: ['2.2.2.2', '::1']}}}")
    assert got["services"]["t"]["extra_hosts"] == ["a=1.1.1.1", "b=2.2.2.2", "b=::1"]
