"""Docker's capability arithmetic: 14 defaults, cap_add, cap_drop, ALL, privileged."""

from __future__ import annotations

import pytest

from runtime.linux.capabilities import BIT, CapabilityError, effective_set, mask_of
from runtime.spec import Security

EVERYTHING = (1 << 41) - 1
NO_SYS_RESOURCE = EVERYTHING & ~(1 << BIT["SYS_RESOURCE"])


def test_default_set_is_dockers_capeff():
    assert effective_set(Security(), EVERYTHING) == 0xA80425FB


def test_cap_add_and_drop_accept_any_spelling():
    caps = effective_set(Security(cap_add=("net_admin",), cap_drop=("CAP_CHOWN",)), EVERYTHING)
    assert caps == (0xA80425FB | 1 << BIT["NET_ADMIN"]) & ~1


def test_drop_all_then_add_one():
    assert effective_set(Security(cap_drop=("ALL",), cap_add=("NET_BIND_SERVICE",)), EVERYTHING) == 1 << 10


def test_add_all_gives_what_the_caller_has():
    assert effective_set(Security(cap_add=("ALL",)), NO_SYS_RESOURCE) == NO_SYS_RESOURCE


def test_privileged_gives_what_the_caller_has():
    assert effective_set(Security(privileged=True), NO_SYS_RESOURCE) == NO_SYS_RESOURCE


def test_a_capability_the_host_cannot_grant_is_refused_by_name():
    with pytest.raises(CapabilityError, match="SYS_RESOURCE"):
        effective_set(Security(cap_add=("SYS_RESOURCE",)), NO_SYS_RESOURCE)


def test_unknown_capability_is_refused():
    with pytest.raises(CapabilityError, match="NOT_A_CAP"):
        mask_of(["NOT_A_CAP"])
