"""networks.*.ipam.config: pools merge by subnet."""

from tests.support.merge_yaml import merged


def test_a_pool_with_a_known_subnet_merges_and_a_new_one_is_added():
    got = merged("networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]}}}",
                 "networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25},"
                 " {subnet: 10.1.0.0/24}]}}}")
    assert got["networks"]["n"]["ipam"]["config"] == [
        {"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": "10.0.0.0/25"},
        {"subnet": "10.1.0.0/24"},
    ]
