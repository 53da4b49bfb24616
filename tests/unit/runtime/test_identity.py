"""``user`` resolved in the container's own /etc/passwd and /etc/group, as Docker does."""

from __future__ import annotations

import pytest

from runtime.process.identity import Identity, UserLookupError, process_env, resolve
from runtime.spec import User
from tests.support.busybox import GROUP, PASSWD


@pytest.fixture
def root(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "group").write_text(GROUP)
    return str(tmp_path)


def test_default_is_root_with_its_memberships(root):
    assert resolve(User(), root) == Identity(0, 0, (0, 10), "/root", "root")


def test_name_gives_uid_gid_home_and_supplementary_groups(root):
    assert resolve(User("alice"), root) == Identity(1000, 1000, (1000, 10, 29), "/home/alice", "alice")


def test_numeric_uid_found_in_passwd_uses_its_entry(root):
    assert resolve(User("1000"), root).gid == 1000


def test_numeric_uid_not_in_passwd_runs_with_gid_0(root):
    assert resolve(User("4242"), root) == Identity(4242, 0, (0,), "/", None)


def test_explicit_group_replaces_primary_and_memberships(root):
    assert resolve(User("alice:staff"), root) == Identity(1000, 50, (50,), "/home/alice", "alice")
    assert resolve(User("1234:77"), root) == Identity(1234, 77, (77,), "/", None)


def test_group_add_appends_by_name_or_gid(root):
    assert resolve(User("alice", group_add=("staff", "4000")), root).groups == (1000, 10, 29, 50, 4000)


def test_unknown_user_name_is_an_error_naming_it(root):
    with pytest.raises(UserLookupError, match="unable to find user bob"):
        resolve(User("bob"), root)


def test_unknown_group_name_is_an_error_naming_it(root):
    with pytest.raises(UserLookupError, match="unable to find group nope"):
        resolve(User("alice:nope"), root)


def test_missing_passwd_file_still_allows_numeric_users(tmp_path):
    assert resolve(User("5:6"), str(tmp_path)) == Identity(5, 6, (6,), "/", None)


def test_env_defaults_path_hostname_and_home_but_spec_wins():
    ident = Identity(1000, 1000, (1000,), "/home/alice", "alice")
    assert process_env(("PATH=/x", "A=1"), ident, "web") == {"PATH": "/x", "HOSTNAME": "web", "A": "1",
                                                             "HOME": "/home/alice"}
    assert process_env(("HOME=/h",), ident, "web")["HOME"] == "/h"


def test_a_fifo_or_device_in_place_of_passwd_reads_as_empty_without_blocking(tmp_path):
    import os

    (tmp_path / "etc").mkdir()
    os.mkfifo(tmp_path / "etc" / "passwd")
    os.symlink("/dev/zero", tmp_path / "etc" / "group")
    assert resolve(User("0:0"), str(tmp_path)) == Identity(0, 0, (0,), "/", None)
