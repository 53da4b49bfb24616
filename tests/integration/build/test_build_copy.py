"""COPY and ADD with Docker's rules: file vs directory destinations, directory contents, --chown/--chmod,
ADD auto-extracting local tar archives, heredocs, and copying into an existing directory through a symlink."""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.support.build import BASE, run_in_image, write_context

pytestmark = pytest.mark.root


def tar_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(text), 0o640
            tar.addfile(info, io.BytesIO(text.encode()))
    return buf.getvalue()


FILES = {"a.txt": "a\n", "b.txt": "b\n", "dir/x": "x\n", "dir/sub/y": "y\n", "bundle.tar.gz": tar_of({"t/z": "z\n"})}


def check(build, tmp_path, scratch, dockerfile: str, script: str, files: dict | None = None) -> list[str]:
    build.build(write_context(tmp_path / "ctx", BASE + dockerfile, files or FILES), tags=("copy:1",))
    code, out = run_in_image(build.images, "copy:1", script, scratch)
    assert code == 0, out
    return out.split()


def test_file_to_a_new_name_and_into_a_directory(build, tmp_path, scratch):
    got = check(build, tmp_path, scratch, "COPY a.txt /renamed\nCOPY a.txt b.txt /into/\nCOPY b.txt /tmp\n",
                "cat /renamed; ls /into; cat /tmp/b.txt")
    assert got == ["a", "a.txt", "b.txt", "b"]


def test_a_directory_source_copies_its_contents(build, tmp_path, scratch):
    got = check(build, tmp_path, scratch, "COPY dir /target\n", "cd /target && find . | sort")
    assert got == [".", "./sub", "./sub/y", "./x"]


def test_chown_and_chmod_apply_to_what_is_copied_and_created(build, tmp_path, scratch):
    got = check(build, tmp_path, scratch, "COPY --chown=alice:staff --chmod=600 dir /new/parent/\n",
                "stat -c '%n %U %G' /new /new/parent; stat -c '%n %U %G %a' /new/parent/x /new/parent/sub/y")
    assert got == ["/new", "alice", "staff", "/new/parent", "alice", "staff", "/new/parent/x", "alice", "staff", "600",
                   "/new/parent/sub/y", "alice", "staff", "600"]


def test_context_files_become_root_owned_keeping_their_mode(build, tmp_path, scratch):
    files = dict(FILES)
    ctx = write_context(tmp_path / "ctx", BASE + "COPY run.sh /\n", {"run.sh": "#!/bin/sh\necho ran\n"})
    (ctx / "run.sh").chmod(0o750)
    build.build(ctx, tags=("copy:1",))
    code, out = run_in_image(build.images, "copy:1", "stat -c '%u %g %a' /run.sh; /run.sh", scratch)
    assert (code, out.split()) == (0, ["0", "0", "750", "ran"])
    assert files == FILES


def test_add_extracts_a_local_archive_but_copy_does_not(build, tmp_path, scratch):
    got = check(build, tmp_path, scratch, "ADD bundle.tar.gz /opt/\nCOPY bundle.tar.gz /opt/\n",
                "cat /opt/t/z; stat -c %a /opt/t/z; ls /opt")
    assert got == ["z", "640", "bundle.tar.gz", "t"]


def test_copy_heredoc_and_run_heredoc(build, tmp_path, scratch):
    dockerfile = "ARG WHO=world\nCOPY <<EOF /greeting\nhello $WHO\nEOF\nRUN <<EOF\nset -e\ncat /greeting > /seen\nEOF\n"
    got = check(build, tmp_path, scratch, dockerfile, "cat /seen")
    assert got == ["hello", "world"]


def test_copy_into_a_symlinked_directory_stays_inside_the_image(build, tmp_path, scratch):
    got = check(build, tmp_path, scratch, "RUN mkdir /real && ln -s /real /link\nCOPY a.txt /link/\n",
                "ls /real; test -L /link && echo link")
    assert got == ["a.txt", "link"]


def test_unknown_chown_user_fails_naming_the_step(build, tmp_path):
    from runtime.build import BuildError
    with pytest.raises(BuildError, match=r"Dockerfile:3: COPY --chown=ghost a.txt /: --chown: unknown user 'ghost'"):
        build.build(write_context(tmp_path / "ctx", BASE + "COPY --chown=ghost a.txt /\n", FILES))
    assert build.images.list() == []
