"""What create refuses before it writes anything (``launchspec.check_policies``): unknown restart policies and log
drivers, and publishing on an IPv6 host address (dockyard publishes through IPv4 NAT only)."""

from __future__ import annotations

import pytest

from runtime import ContainerError, ContainerSpec, LogSpec, PortSpec, RestartSpec
from runtime.launchspec import check_policies


def test_a_spec_with_ipv4_ports_passes():
    check_policies(ContainerSpec(name="a", image="x", ports=(PortSpec(80, 8080, "tcp", "127.0.0.1"),
                                                               PortSpec(53, 0, "udp", "0.0.0.0"))))


def test_an_ipv6_host_address_is_refused_with_the_fix():
    with pytest.raises(ContainerError, match=r"publish ::1:8080: IPv6 host addresses are not supported; publish "
                                             r"on 127.0.0.1 or 0.0.0.0"):
        check_policies(ContainerSpec(name="a", image="x", ports=(PortSpec(80, 8080, "tcp", "::1"),)))


def test_an_unknown_restart_policy_or_log_driver_is_refused():
    with pytest.raises(ContainerError, match="restart policy 'sometimes' is unknown"):
        check_policies(ContainerSpec(name="a", image="x", restart=RestartSpec("sometimes")))
    with pytest.raises(Exception, match="(?i)driver"):
        check_policies(ContainerSpec(name="a", image="x", logging=LogSpec(driver="syslogish")))
