"""ulimits: each limit is replaced as a whole by the override's definition of it."""

from tests.support.merge_yaml import merged


def test_each_limit_is_replaced_not_merged():
    got = merged("services: {t: {ulimits: {nofile: {soft: 20000, hard: 40000}, nproc: 65535, core: 0}}}",
                 "services: {t: {ulimits: {nofile: {soft: 10000}, nproc: {soft: 1, hard: 2}}}}")
    assert got["services"]["t"]["ulimits"] == {"nofile": {"soft": 10000}, "nproc": {"soft": 1, "hard": 2}, "core": 0}
