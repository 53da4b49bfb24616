"""After a RUN, the mount points the runtime created are removed from the upper dir when the image lacked them,
and so are directories overlayfs copied up only to hold them; real changes stay."""

from __future__ import annotations

import os
from pathlib import Path

from runtime.build.runstep import remove_stubs


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def make(root: Path, *paths: str) -> None:
    for path in paths:
        target = root / path.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.endswith("/"):
            target.mkdir(exist_ok=True)
        else:
            target.write_text("")


def test_stub_files_and_their_new_parents_are_removed(tmp_path):
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    make(lower, "bin/")
    make(upper, "etc/hosts", "etc/hostname", "proc/", "var/cache/app/")
    remove_stubs(upper, [lower], ["/proc", "/etc/hosts", "/etc/hostname", "/var/cache/app"])
    assert tree(upper) == []


def test_a_copied_up_parent_goes_but_a_changed_one_stays(tmp_path):
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    make(lower, "etc/", "srv/")
    make(upper, "etc/hosts", "srv/hosts")
    os.chmod(upper / "srv", 0o700)  # the RUN changed /srv's mode: a real change
    remove_stubs(upper, [lower], ["/etc/hosts", "/srv/hosts"])
    assert tree(upper) == ["srv"]


def test_stubs_the_image_has_or_that_were_written_to_stay(tmp_path):
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    make(lower, "etc/hosts")
    make(upper, "etc/hosts", "data/")
    (upper / "data" / "file").write_text("written by the step")
    remove_stubs(upper, [lower], ["/etc/hosts", "/data"])
    assert tree(upper) == ["data", "data/file", "etc", "etc/hosts"]
