"""volumes and devices: unique by target path, whichever syntax is used."""

from tests.support.merge_yaml import merged


def test_a_new_target_is_appended():
    got = merged("services: {t: {volumes: ['a:/a', {type: bind, source: ./b, target: /b}]}}",
                 "services: {t: {volumes: ['c:/c']}}")
    assert got["services"]["t"]["volumes"] == ["a:/a", {"type": "bind", "source": "./b", "target": "/b"}, "c:/c"]


def test_the_same_target_is_replaced_in_place():
    got = merged("services: {t: {volumes: ['./old:/data:ro', 'x:/x']}}",
                 "services: {t: {volumes: [{type: volume, source: new, target: /data}]}}")
    assert got["services"]["t"]["volumes"] == [{"type": "volume", "source": "new", "target": "/data"}, "x:/x"]


def test_anonymous_volume_short_syntax_is_keyed_by_its_path():
    got = merged("services: {t: {volumes: [/cache]}}", "services: {t: {volumes: ['named:/cache']}}")
    assert got["services"]["t"]["volumes"] == ["named:/cache"]


def test_devices_are_unique_by_container_path():
    got = merged("services: {t: {devices: ['/dev/a:/dev/x', /dev/b]}}",
                 "services: {t: {devices: ['/dev/c:/dev/x:rwm']}}")
    assert got["services"]["t"]["devices"] == ["/dev/c:/dev/x:rwm", "/dev/b"]
