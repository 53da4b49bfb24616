"""IPv6 settings reach the runtime: an IPv6 ipam entry becomes subnet6/gateway6, a service's ipv6_address its
attachment's."""

import textwrap

from compose.translate import container_spec, network_spec
from tests.support.compose_model import project as load_project

TEXT = textwrap.dedent(
    """
    services:
      web:
        image: busybox
        networks:
          front: {ipv4_address: 172.30.0.5, ipv6_address: "fd00:1::5"}
    networks:
      front:
        enable_ipv6: true
        ipam:
          config:
            - {subnet: 172.30.0.0/24, gateway: 172.30.0.1}
            - {subnet: "fd00:1::/64", gateway: "fd00:1::1"}
    """
)


def test_ipv4_and_ipv6_ipam_entries_map_to_their_own_fields():
    proj = load_project(TEXT)
    spec = network_spec(proj, proj.networks["front"])
    assert (spec.subnet, spec.gateway) == ("172.30.0.0/24", "172.30.0.1")
    assert (spec.subnet6, spec.gateway6) == ("fd00:1::/64", "fd00:1::1")
    assert spec.enable_ipv6


def test_a_service_ipv6_address_lands_on_its_attachment():
    proj = load_project(TEXT)
    (att,) = container_spec(proj, proj.services["web"], 1).networks
    assert (att.ipv4_address, att.ipv6_address) == ("172.30.0.5", "fd00:1::5")
